from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from common.formatting import exact
from importers.models import ImportBatch
from importers.parsers.common import Problem, match_columns, normalise_header

MAX_ERRORS_SHOWN = 1000


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    # the months (their first days) whose figures the write may have changed, by report or offence date
    months: frozenset[dt.date] = frozenset()

    def add(self, other: Counts) -> None:
        for name in ("created", "updated", "unchanged", "removed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.months = self.months | other.months


def as_date(value) -> dt.date | None:
    """A date from the database (SQLite returns ISO text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def months_of(dates: Iterable) -> frozenset[dt.date]:
    """The months (their first days) of some dates, as a database or a frame gives them; no date is skipped."""
    days = (as_date(d) for d in dates if d is not None and d == d and d != "")
    return frozenset(day.replace(day=1) for day in days if day is not None)


def window_union(*windows: tuple) -> tuple[dt.date | None, dt.date | None]:
    """The span of several (first date, last date) windows; None where none has a date."""
    starts = [day for w in windows if (day := as_date(w[0])) is not None]
    ends = [day for w in windows if (day := as_date(w[1])) is not None]
    return min(starts, default=None), max(ends, default=None)


@dataclass
class ImportResult:
    batch: ImportBatch
    ok: bool
    kind: str
    dry_run: bool = False
    preview: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_removed: int = 0
    rows_rejected: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_total: int = 0
    warnings: list[str] = field(default_factory=list)
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    message: str = ""  # for the web page: speaks of the upload form's fields
    cli_message: str = ""  # for import_file where it differs (names its options); empty: the same as message


class Plan:
    """A parsed, validated file and the function that writes it (in one transaction).

    A ``streamed`` plan validates while it writes (see ``stream.StreamPlan``).
    """

    streamed = False

    def __init__(self, *, rows_read, preview, columns, problems, warnings, period, write, forecast=None,
                 shared=False):
        self.rows_read, self.preview, self.columns = rows_read, preview, columns
        self.shared = shared  # the write changes data no municipality owns (categories, national DST figures)
        self.problems, self.warnings, self.period, self.write = problems, warnings, period, write
        self.expected_rows = rows_read
        # () -> sentences for the preview on what confirming will change (e.g. rows a replaced period loses)
        self.forecast = forecast


def problems_sorted(problems: list[Problem]) -> list[Problem]:
    """Row errors by row, then column (errors of the file as a whole first)."""
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0, p.column))


def replace_period_dates(replace) -> tuple[dt.date, dt.date] | None:
    """The ``replace_period`` option (dates or ISO strings) as two dates."""
    if not replace:
        return None
    start, end = replace
    return (dt.date.fromisoformat(start) if isinstance(start, str) else start,
            dt.date.fromisoformat(end) if isinstance(end, str) else end)


PREVIEW_ROWS = 20


def cell_text(value) -> str:
    """A parsed value as the preview shows it: empty for missing, dates as dd-mm-åååå, whole numbers whole."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool | np.bool_):
        return "J" if value else "N"
    if isinstance(value, float | np.floating):
        number = float(value)
        return exact(number)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # a list or a dict is no missing value
        pass
    return str(value)


def preview_cell(text: str, value: str, *, error: bool = False) -> dict:
    """One preview cell: the file's own text, the value it was read as, and whether the cell has an error."""
    return {"text": text, "value": value, "error": error}


def frame_preview(frame, columns=None, *, raw=None, aliases=None, problems=None) -> tuple[list[dict], list[str]]:
    """The first rows of a parsed frame for the preview table.

    With ``raw`` (the file's table, as read) and ``aliases`` (canonical column → accepted headers), each
    cell of a column the file has is the file's own text, or a ``preview_cell`` (the file's text beside the
    parsed value, or an error mark where ``problems`` name that row and column) where the reading differs.
    Cells of columns the file does not have are the parsed value as text.
    """
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns and c != "row"]
    head = frame.head(PREVIEW_ROWS)
    headers: dict[str, str] = {}
    if raw is not None and aliases:
        headers, _unmatched = match_columns([str(c) for c in raw.columns], aliases)
    bad: set[tuple[int, str]] = set()
    for problem in problems or []:
        if problem.row is not None:
            bad.add((int(problem.row), normalise_header(problem.column)))
    spellings = {c: {normalise_header(a) for a in [c, *(aliases or {}).get(c, [])]} for c in columns}
    rows = []
    for record in head.to_dict("records"):
        row_number = record.get("row")
        shown: dict[str, object] = {}
        for column in columns:
            value = cell_text(record[column])
            header = headers.get(column)
            if header is None or row_number is None or (int(row_number) - 2) not in raw.index:
                shown[column] = value
                continue
            text = cell_text(raw.loc[int(row_number) - 2, header]).strip()
            error = any((int(row_number), name) in bad for name in spellings[column])
            # as the file has it (an empty cell stays empty); both texts only where the reading differs
            shown[column] = preview_cell(text, value, error=True) if error else (
                text if text in ("", value) else preview_cell(text, value))
        rows.append(shown)
    return rows, columns


_QUOTED = re.compile(r"'[^']*'")
_NUMBER = re.compile(r"\d+")
ROWS_LISTED = 3  # the rows a group of like errors names before "…"


def errors_grouped(errors: list[dict]) -> list[dict]:
    """A batch's row errors for the page: sorted by row, then column; one entry for a problem that repeats.

    Errors of the same column whose reasons differ only in the value they quote (or in a number) are one
    problem: the entry names its first rows and how many there are ("Gerningsdato kan ikke læses i 312
    rækker: 14, 15, 16 …"). Each entry: ``rows`` (text), ``column``, ``value``, ``reason``, ``count``.
    """
    ordered = sorted(errors, key=lambda e: (e.get("row") is not None, e.get("row") or 0, e.get("column") or ""))
    groups: dict[tuple, list[dict]] = {}
    for error in ordered:
        key = ((error.get("column") or "", _NUMBER.sub("#", _QUOTED.sub("…", error.get("reason") or "")))
               if error.get("row") is not None and error.get("column") else (id(error),))
        groups.setdefault(key, []).append(error)
    entries = []
    for members in groups.values():  # in the order of their first rows
        first = members[0]
        if len(members) == 1:
            entries.append({"rows": "" if first.get("row") is None else str(first["row"]), "column": first["column"],
                            "value": first.get("value", ""), "reason": first["reason"], "count": 1})
            continue
        rows = [str(e["row"]) for e in members]
        listed = ", ".join(rows[:ROWS_LISTED]) + (" …" if len(rows) > ROWS_LISTED else "")
        values = list(dict.fromkeys(str(e.get("value", "")) for e in members))
        same = all(e["reason"] == first["reason"] for e in members)
        summary = _("%(column)s kan ikke læses i %(count)s rækker: %(rows)s") % {
            "column": first["column"], "count": len(members), "rows": listed}
        example = first["reason"] if same else _("fx række %(row)s: %(reason)s") % {
            "row": first["row"], "reason": first["reason"]}
        entries.append({"rows": listed, "column": first["column"],
                        "value": ", ".join(values[:ROWS_LISTED]) + (" …" if len(values) > ROWS_LISTED else ""),
                        "reason": f"{summary} ({example})", "count": len(members)})
    return entries
