"""Periods of the reports: years (2016), half-years (2016H1/H2) and quarters (2016K3).

Pure Python; every other module parses and names periods through here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:([HhKkQq])\s*([1-4]))?\s*$")


class PeriodError(ValueError):
    """A period string that is not a year, half-year or quarter."""


# Years a period may have: a year outside them is a typing error or a probe ("0000" made dates that Python
# refuses, "9999" ran past the calendar, "1000"–"9998" asked for 9,000 years), never data.
# (the importers' SANE_YEARS, importers/parsers/rows.py, say the same)
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str = "Y"  # "Y" year, "H" half-year, "K" quarter
    number: int = 1

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        if isinstance(text, Period):
            return text
        match = _PATTERN.match(str(text))
        if not match:
            raise PeriodError(
                f"Ukendt periode '{text}': brug fx 2016 (år), 2016H2 (halvår) eller 2016K3 (kvartal)."
            )
        year, letter, number = match.groups()
        if not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise PeriodError(f"Perioden '{text}' ligger uden for årene {FIRST_YEAR}–{LAST_YEAR}.")
        if not letter:
            return cls(int(year))
        kind = "H" if letter.upper() == "H" else "K"
        if kind == "H" and int(number) > 2:
            raise PeriodError(f"Ukendt halvår '{text}': kun H1 og H2 findes.")
        return cls(int(year), kind, int(number))

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        if kind == "Y":
            return cls(day.year)
        if kind == "H":
            return cls(day.year, "H", 1 if day.month <= 6 else 2)
        if kind == "K":
            return cls(day.year, "K", (day.month - 1) // 3 + 1)
        raise PeriodError(f"Ukendt periodetype '{kind}'.")

    @property
    def months(self) -> int:
        return {"Y": 12, "H": 6, "K": 3}[self.kind]

    @property
    def first_month(self) -> int:
        return (self.number - 1) * self.months + 1

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        return self.next().start - dt.timedelta(days=1)

    @property
    def midpoint(self) -> dt.date:
        """The mid-period population date of domain.md.

        1 July for a year, 1 April for H1, 1 October for H2, the 15th of the middle month
        for a quarter.
        """
        if self.kind == "Y":
            return dt.date(self.year, 7, 1)
        if self.kind == "H":
            return dt.date(self.year, 4 if self.number == 1 else 10, 1)
        return dt.date(self.year, self.first_month + 1, 15)

    def next(self) -> Period:
        if self.kind == "Y":
            return Period(self.year + 1)
        last = 12 // self.months
        if self.number == last:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.number + 1)

    def previous(self) -> Period:
        if self.kind == "Y":
            return Period(self.year - 1)
        if self.number == 1:
            return Period(self.year - 1, self.kind, 12 // self.months)
        return Period(self.year, self.kind, self.number - 1)

    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.kind, self.number)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        if self.kind == "Y":
            return str(self.year)
        return f"{self.year}{self.kind}{self.number}"

    @property
    def label(self) -> str:
        """Danish display label: 2016, 1. halvår 2016, 3. kvt. 2016."""
        if self.kind == "Y":
            return str(self.year)
        if self.kind == "H":
            return f"{self.number}. halvår {self.year}"
        return f"{self.number}. kvt. {self.year}"


def period_range(first: str | Period, last: str | Period | None = None) -> list[Period]:
    """Periods from ``first`` to ``last`` inclusive; both must be of the same kind."""
    start = Period.parse(first)
    stop = Period.parse(last) if last is not None else start
    if start.kind != stop.kind:
        raise PeriodError(f"Perioderne {start} og {stop} er ikke af samme slags.")
    if stop < start:
        raise PeriodError(f"Slutperioden {stop} ligger før startperioden {start}.")
    periods = [start]
    while periods[-1] != stop:
        periods.append(periods[-1].next())
    return periods
