"""How far a municipality's data reach: the data date of every page, figure and download.

Plain functions over the stored data, no HTTP (issue 25, "Data coverage is part of every answer").

- **Police** (offences and the charges linked to them): covered from the first day of the month of the first
  report date (extracts hold whole months), *up to and including* the later of
  (a) the latest report date among the municipality's loaded offences and (b) the end of the period a
  finished police import said it replaces ("Erstat periode", e.g. 01-01-2025:31-10-2025) for this
  municipality. A batch records no extract end date of its own: its ``period_to`` is only the latest report
  date in its file (the same as (a)), so (a) is what the data prove; a small municipality may have no offence
  on the extract's last days, and an analyst who states the replaced period has told us the extract's real
  end, so (b) may move the date forward (never past today). Report date, not offence date: an extract
  holds what was *reported* until its end, whatever the date basis a figure uses.
- **Danmarks Statistik**: the latest quarter of the municipality's population (FOLK1A, counted on the 1st day
  of the quarter: 1 July 2025 is 2025K3), the denominator of every rate. The district populations a
  municipality loads itself are reported beside it (``population_last``).

A period is *no data* when it lies wholly outside the police coverage (after its last date, or before the
first), *partial* when the coverage ends (or begins) inside it, and *complete* otherwise. Wiring: the
dashboard and figures ask ``municipality_coverage(m)`` once (cached under the data version) and then
``period_statuses``/``period_label``/``data_line`` on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import pandas as pd
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from districts.models import Municipality, PopulationCount

from .models import ReportedOffence
from .periods import Period
from .versioning import versioned_cache


class Status(str, Enum):
    NONE = "none"  # no data in the period ("Ingen data for 2026 endnu")
    PARTIAL = "partial"  # the coverage begins or ends inside the period ("2026 til og med 31-10")
    COMPLETE = "complete"


@dataclass(frozen=True)
class Coverage:
    """What a municipality's loaded data cover (all dates inclusive; None: nothing loaded)."""

    police_first: dt.date | None = None
    police_last: dt.date | None = None
    dst_quarter: Period | None = None  # latest FOLK1A quarter of the municipality (e.g. 2025K3)
    population_last: dt.date | None = None  # latest count date of the district populations

    def status(self, period: Period | str) -> Status:
        period = Period.parse(period)
        if self.police_first is None or self.police_last is None:
            return Status.NONE
        if period.start > self.police_last or period.end < self.police_first:
            return Status.NONE
        if period.end > self.police_last or period.start < self.police_first:
            return Status.PARTIAL
        return Status.COMPLETE

    def period_label(self, period: Period | str, *, name: str | None = None) -> str:
        """The period's name, with how far a partly covered period reaches: "2026 til og med 31-10"."""
        period = Period.parse(period)
        name = name if name is not None else str(period)
        if self.status(period) is not Status.PARTIAL:
            return name
        assert self.police_first is not None and self.police_last is not None
        if period.end > self.police_last:
            return _("%(period)s til og med %(date)s") % {"period": name, "date": date_format(self.police_last, "d-m")}
        return _("%(period)s fra %(date)s") % {"period": name, "date": date_format(self.police_first, "d-m")}

    def no_data_text(self, period: Period | str) -> str:
        """What a figure shows for a period without data: "Ingen data for 2026 endnu" (or, before the first
        data, "Ingen data for 2005")."""
        period = Period.parse(period)
        if self.police_last is not None and period.end < (self.police_first or period.end):
            return _("Ingen data for %(period)s") % {"period": period}
        return _("Ingen data for %(period)s endnu") % {"period": period}

    def police_text(self) -> str:
        if self.police_last is None:
            return _("Ingen tal fra politiet indlæst")
        return _("Politiets tal til og med %(date)s") % {"date": date_format(self.police_last, "d-m-Y")}

    def dst_text(self, *, long_names: bool = False) -> str:
        if self.dst_quarter is None:
            return _("ingen befolkningstal fra Danmarks Statistik indlæst")
        quarter = self.dst_quarter.label if long_names else self.dst_quarter
        return _("Danmarks Statistik til og med %(quarter)s") % {"quarter": quarter}

    def data_line(self, *, long_names: bool = False) -> str:
        """The data date for pages and files: "Politiets tal til og med 31-10-2025; Danmarks Statistik til og med
        2025K3" ("… til og med 3. kvt. 2025" with ``long_names``: the half-year report names no period by code)."""
        return f"{self.police_text()}; {self.dst_text(long_names=long_names)}"


@dataclass(frozen=True)
class PeriodCoverage:
    period: Period
    status: Status
    label: str  # the name to show: "2026 til og med 31-10" when partial


def period_statuses(coverage: Coverage, periods: list[Period | str]) -> list[PeriodCoverage]:
    """Each period with its status and label, in the order given."""
    result = []
    for item in periods:
        period = Period.parse(item)
        result.append(PeriodCoverage(period, coverage.status(period), coverage.period_label(period)))
    return result


def split_periods(coverage: Coverage, periods: list[Period | str]) -> dict[Status, list[Period]]:
    """The periods by status: {NONE: [...], PARTIAL: [...], COMPLETE: [...]}."""
    groups: dict[Status, list[Period]] = {status: [] for status in Status}
    for item in period_statuses(coverage, periods):
        groups[item.status].append(item.period)
    return groups


def police_extent(municipality: Municipality) -> tuple[dt.date | None, dt.date | None]:
    """First and last date the police data cover (see the module's note)."""
    span = ReportedOffence.objects.filter(municipality=municipality).aggregate(
        first=Min("report_date"), last=Max("report_date"))
    first, last = span["first"], span["last"]
    if first is not None:  # extracts hold whole months: a first report on 2 January still covers 1 January
        first = first.replace(day=1)
    stated = _stated_extract_end(municipality)
    today = timezone.localdate()
    if stated is not None and first is not None and (last is None or stated > last):
        last = min(stated, today)
    return first, last


# Where a stated extract end comes from: the importers app registers the replaced periods of its finished
# police imports (``importers.coverage``; reports may not import the importers).
EXTRACT_END_SOURCES: list[Callable[[Municipality], dt.date | None]] = []


def _stated_extract_end(municipality: Municipality) -> dt.date | None:
    """The latest extract end any registered source states for this municipality."""
    ends = [end for source in EXTRACT_END_SOURCES if (end := source(municipality)) is not None]
    return max(ends, default=None)


def dst_population_quarter(municipality: Municipality) -> Period | None:
    """The latest FOLK1A quarter of the municipality's whole population (all ages, both sexes)."""
    day = PopulationCount.objects.filter(
        municipality=municipality, district__isnull=True, sex="", age_from=0, age_to=125,
    ).aggregate(last=Max("date"))["last"]
    return Period.containing(day, "K") if day else None


def district_population_last(municipality: Municipality) -> dt.date | None:
    return PopulationCount.objects.filter(
        municipality=municipality, district__isnull=False, sex="", age_from=0, age_to=125,
    ).aggregate(last=Max("date"))["last"]


def coverage_of(municipality: Municipality) -> Coverage:
    """The municipality's coverage, read from the database (three small aggregate queries)."""
    first, last = police_extent(municipality)
    return Coverage(police_first=first, police_last=last, dst_quarter=dst_population_quarter(municipality),
                    population_last=district_population_last(municipality))


def municipality_coverage(municipality: Municipality) -> Coverage:
    """``coverage_of``, cached under the data version (any import or rollback makes a new key)."""
    return versioned_cache("coverage", (municipality.pk,), lambda: coverage_of(municipality))


# the columns that name a row; every other column of a figure table is a number computed from the data
KEY_COLUMNS = ("period", "district", "category", "home_municipality_code", "home_municipality", "home_district",
               "age_group", "municipality_code", "municipality")


def without_uncovered(table, coverage: Coverage):
    """The table with every number of a period without police data made missing (never 0; the population stays):
    the rows stay, so a reader sees the period was asked for and has no data. Partly covered periods keep their numbers (they are labelled
    instead, ``Coverage.period_label``)."""
    if table.empty or "period" not in table:
        return table
    statuses = {p: coverage.status(p) for p in dict.fromkeys(table["period"])}
    empty = table["period"].map(lambda p: statuses[p] is Status.NONE)
    if not empty.any():
        return table
    result = table.copy()
    for position, column in enumerate(result.columns):
        if column in KEY_COLUMNS or column == "population":  # residents are counted whatever the police data
            continue
        values = result.iloc[:, position]
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype(float)
        else:
            values = values.astype(object)
        result.isetitem(position, values.where(~empty, None if values.dtype == object else float("nan")))
    return result
