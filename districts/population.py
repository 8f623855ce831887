"""Mid-period population, exactly as domain.md defines it. Pure functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

INTERPOLATE_WITHIN_DAYS = 366  # "within 12 months" of the midpoint, before and after
NEAREST_WITHIN_DAYS = 92


def population_on(counts: Iterable[tuple[dt.date, float]], day: dt.date) -> float | None:
    """Population on ``day`` from count dates and values.

    A count on the day itself wins; otherwise linear interpolation by days between the
    nearest counts before and after when both lie within 12 months; otherwise the nearest
    count within 92 days; otherwise ``None`` (missing — never 0).
    """
    before: tuple[dt.date, float] | None = None
    after: tuple[dt.date, float] | None = None
    for when, value in counts:
        if value is None:
            continue
        if when == day:
            return float(value)
        if when < day and (before is None or when > before[0]):
            before = (when, float(value))
        elif when > day and (after is None or when < after[0]):
            after = (when, float(value))
    if before and after and _within_year(before[0], day) and _within_year(day, after[0]):
        span = (after[0] - before[0]).days
        weight = (day - before[0]).days / span
        return before[1] + (after[1] - before[1]) * weight
    candidates = [c for c in (before, after) if c and abs((c[0] - day).days) <= NEAREST_WITHIN_DAYS]
    if not candidates:
        return None
    nearest = min(candidates, key=lambda c: (abs((c[0] - day).days), c[0]))
    return nearest[1]


def _within_year(earlier: dt.date, later: dt.date) -> bool:
    """True when ``later`` is at most 12 calendar months after ``earlier``."""
    try:
        limit = earlier.replace(year=earlier.year + 1)
    except ValueError:  # 29 February
        limit = earlier.replace(year=earlier.year + 1, day=28)
    return later <= limit
