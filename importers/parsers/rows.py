"""Checks every reference file's rows share: required cells, text lengths, repeated keys, the municipality
column, counts and dates. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from .common import Problem, parse_decimal
from .common import text_short as _short
from .police_columns import municipality_resolve

SANE_YEARS = (1900, 2100)  # count dates and periods outside these years are typing errors


def too_long(frame: pd.DataFrame, column: str, label: str, limit: int, problems: list[Problem]) -> None:
    """A row error for each cell of ``column`` longer than the model field holds."""
    if column not in frame:
        return
    for row, value in zip(frame["row"], frame[column], strict=True):
        if len(value) > limit:
            problems.append(Problem(row, label, _short(value),
                                    f"Teksten er {len(value)} tegn lang; der er plads til højst {limit} tegn"))


def required(frame: pd.DataFrame, column: str, label: str, problems: list[Problem]) -> None:
    for row, value in zip(frame["row"], frame[column], strict=True):
        if not value:
            problems.append(Problem(row, label, "", f"{label} mangler"))


def duplicates(keys: Sequence[tuple | None], rows: pd.Series, column: str, reason: str, problems: list[Problem],
                values: list[str] | None = None) -> None:
    """A row error for each row whose key an earlier row already has; ``reason`` gets the earlier row.

    A key of None (a row that cannot be compared) is skipped.
    """
    first: dict[tuple, int] = {}
    for index, (key, row) in enumerate(zip(keys, rows, strict=True)):
        if key is None:
            continue
        if key in first:
            problems.append(Problem(row, column, values[index] if values else "", f"{reason} række {first[key]}"))
        else:
            first[key] = row


def municipality_column(frame, municipalities, default, problems):
    by_name = {n.casefold(): c for c, n in municipalities.items()}
    given = frame["municipality"] if "municipality" in frame else pd.Series("", index=frame.index)
    codes = []
    for row, value in zip(frame["row"], given, strict=True):
        code = municipality_resolve(value, by_code=municipalities, by_name=by_name) if value else default
        if code is None:
            problems.append(Problem(row, "Kommunekode", value, "Ukendt kommune, eller ingen kommune valgt"))
        codes.append(code)
    return codes


def parse_count(text: str) -> float | None:
    """A head count: "9170", "9.170" or "9 170" (Danish thousands separators), "9170,0"."""
    if re.fullmatch(r"\s*\d{1,3}(?:[.\s\u00a0]\d{3})+\s*", str(text)):
        return float(re.sub(r"\D", "", str(text)))
    return parse_decimal(text)


def sane_date(day: dt.date) -> dt.date:
    if not SANE_YEARS[0] <= day.year <= SANE_YEARS[1]:
        raise ValueError(f"Datoen {day:%d-%m-%Y} ligger uden for årene {SANE_YEARS[0]}–{SANE_YEARS[1]}")
    return day
