from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from importers.models import ImportBatch
from importers.parsers.common import Problem

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
    return frozenset(as_date(d).replace(day=1) for d in dates if d is not None and d == d and d != "")


def window_union(*windows: tuple) -> tuple[dt.date | None, dt.date | None]:
    """The span of several (first date, last date) windows; None where none has a date."""
    starts = [as_date(w[0]) for w in windows if w[0] is not None]
    ends = [as_date(w[1]) for w in windows if w[1] is not None]
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
    message: str = ""


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


def replace_period_dates(replace) -> tuple[dt.date, dt.date] | None:
    """The ``replace_period`` option (dates or ISO strings) as two dates."""
    if not replace:
        return None
    start, end = replace
    return (dt.date.fromisoformat(start) if isinstance(start, str) else start,
            dt.date.fromisoformat(end) if isinstance(end, str) else end)


def frame_preview(frame, columns=None) -> tuple[list[dict], list[str]]:
    """The first 20 rows of a parsed frame as text, for the preview table."""
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns and c != "row"]
    head = frame.head(20)[columns]
    return [{c: ("" if v is None else str(v)) for c, v in r.items()} for r in head.to_dict("records")], columns
