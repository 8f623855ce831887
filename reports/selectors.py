"""Querysets → DataFrames. Aggregation happens in the database (GROUP BY), not in Python."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth

from districts.models import District, Municipality, PopulationCount

from .memo import memoised
from .models import CategoryCode, ChargeFact, OffenceAggregate, OffenceCategory, ReportedOffence
from .periods import Period

DATE_FIELD = {"report": "report_date", "offence": "offence_date"}


def _month_frame(rows, columns) -> pd.DataFrame:
    """Months come as dates from both databases (Django converts DateField and TruncMonth values)."""
    return pd.DataFrame(list(rows), columns=columns)


def offence_counts(*, municipality: Municipality, start: dt.date, end: dt.date, date_basis: str) -> pd.DataFrame:
    """Offences per (month, district id, code) between start and end, from the aggregate table."""
    return _counts_of("reports", month_counts(municipality=municipality, start=start, end=end, date_basis=date_basis))


def charge_counts(*, municipality: Municipality, start: dt.date, end: dt.date, date_basis: str) -> pd.DataFrame:
    """Charges per (month of their offence, offence district id, offence code)."""
    return _counts_of("charges", month_counts(municipality=municipality, start=start, end=end, date_basis=date_basis))


def _counts_of(value: str, counts: pd.DataFrame) -> pd.DataFrame:
    return counts.loc[counts[value] > 0, ["month", "district_id", "code", value]].reset_index(drop=True)


@memoised
def month_counts(*, municipality: Municipality, start: dt.date, end: dt.date, date_basis: str) -> pd.DataFrame:
    """Offences and charges per (month, district id, code): one read of the aggregate table for both."""
    if date_basis not in DATE_FIELD:
        raise ValueError(date_basis)
    rows = (
        OffenceAggregate.objects.filter(Q(reports__gt=0) | Q(charges__gt=0), municipality=municipality,
                                        basis=date_basis, month__gte=start.replace(day=1), month__lte=end)
        .values_list("month", "district_id", "code")
        .annotate(reports=Sum("reports"), charges=Sum("charges"))
        .order_by()
    )
    return _month_frame(rows, ["month", "district_id", "code", "reports", "charges"])


def offence_counts_raw(*, municipality: Municipality, start: dt.date, end: dt.date, date_basis: str) -> pd.DataFrame:
    """The same as ``offence_counts`` straight from the offences (for tests and benchmarks)."""
    field = DATE_FIELD[date_basis]
    rows = (
        ReportedOffence.objects.filter(municipality=municipality, **{f"{field}__gte": start, f"{field}__lte": end})
        .annotate(month=TruncMonth(field))
        .values_list("month", "district_id", "code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _month_frame(rows, ["month", "district_id", "code", "reports"])


# Which of a person's charges in a period is their first (domain.md, fig. 8): the earliest offence by
# the date basis, then the earliest charge date (a missing one last), then the charge's natural key,
# compared byte by byte, so the choice never depends on the rows' order or the database's collation.
FIRST_CHARGE_ORDER = ("date", "charge_date NULLS LAST", "journal_number{collate}", "forhold")
PERSON_GROUPS = {"offence": ("home_municipality_id", "home_district_id"), "home": ("home_district_id", "birth_year")}


@memoised
def first_charge_persons(
    *, of: str, municipality: Municipality, periods: list[Period], date_basis: str, codes: set[str]
) -> pd.DataFrame:
    """Persons counted once per period by their first charge in it, among the charges with these codes.

    ``of="offence"``: charges for offences in the municipality, counted by the first charge's home
    municipality and home district (fig. 8). ``of="home"``: charges of persons living in the
    municipality, counted by home district and birth year (the young people's share). Columns:
    period, the two group columns, persons. The database picks the first charges from the charge
    facts (one index range, no join); only the counts come back.
    """
    if date_basis not in DATE_FIELD:
        raise ValueError(date_basis)
    groups = PERSON_GROUPS[of]
    columns = ["period", *groups, "persons"]
    if not codes or not periods:
        return pd.DataFrame(columns=columns)
    q = connection.ops.quote_name
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""  # SQLite compares bytes already
    # each fact's period by its number (numbers sort faster than labels); periods follow each other
    labels = " ".join("WHEN f.date <= %s THEN %s" for _p in periods[:-1])
    period = f"CASE {labels} ELSE %s END" if labels else "%s"
    order = ", ".join(column.format(collate=collate) for column in FIRST_CHARGE_ORDER)
    area = "municipality_id" if of == "offence" else "home_municipality_id"
    # The person key leads the window's sort: most comparisons then end at its first bytes (PostgreSQL's
    # abbreviated keys), where a leading period number, with a handful of values, made each one compare the
    # whole key. Firsts are counted, not filtered for, so the planner expects every row and groups by hashing.
    first = "COUNT(CASE WHEN nth = 1 THEN 1 END)"
    sql = (
        f"SELECT period, {', '.join(groups)}, {first} FROM ("
        f"  SELECT period, {', '.join(groups)}, ROW_NUMBER() OVER ("
        f"    PARTITION BY person_key{collate}, period ORDER BY {order}) AS nth FROM ("
        f"    SELECT {period} AS period, person_key, date, charge_date, journal_number, forhold, {', '.join(groups)}"
        f"    FROM {q(ChargeFact._meta.db_table)} f"
        f"    WHERE f.{area} = %s AND f.basis = %s AND f.date >= %s AND f.date <= %s"
        f"    AND f.code IN ({', '.join(['%s'] * len(codes))})"
        f"  ) facts"
        f") ranked GROUP BY period, {', '.join(groups)} HAVING {first} > 0"
    )
    params = [value for i, p in enumerate(periods[:-1]) for value in (p.end.isoformat(), i)]
    params += [len(periods) - 1, municipality.pk, date_basis, periods[0].start.isoformat(),
               periods[-1].end.isoformat(), *sorted(codes)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No parallel workers: the dashboard runs this on a connection of its own while its thread draws the
            # other figures (``memo.prefetch``), and workers would take that thread's core (and more CPU in all).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        rows = [(str(periods[number]), *rest) for number, *rest in cursor.fetchall()]
    return pd.DataFrame(rows, columns=columns)


@memoised
def age_population(*, municipality: Municipality) -> pd.DataFrame:
    """Counts by age (single years or bands, both sexes) per district (None: the whole municipality) and date."""
    rows = PopulationCount.objects.filter(municipality=municipality, sex="").exclude(age_from=0, age_to=125).values_list(
        "district_id", "date", "age_from", "age_to", "count")
    return pd.DataFrame(list(rows), columns=["district_id", "date", "age_from", "age_to", "count"])


@memoised
def category_names() -> dict[str, str]:
    """slug → name of every offence category (a handful)."""
    return dict(OffenceCategory.objects.values_list("slug", "name"))


@memoised
def category_codes(*, slugs: list[str]) -> dict[str, set[str]]:
    """slug → police codes in that category (the materialised membership)."""
    result: dict[str, set[str]] = {slug: set() for slug in slugs}
    for slug, code in CategoryCode.objects.filter(source="politi", category__slug__in=slugs).values_list(
        "category__slug", "code"
    ):
        result[slug].add(code)
    return result


@memoised
def district_population(*, municipality: Municipality) -> pd.DataFrame:
    """All-ages, both-sexes counts per district and date."""
    rows = PopulationCount.objects.filter(
        municipality=municipality, district__isnull=False, sex="", age_from=0, age_to=125
    ).values_list("district_id", "date", "count")
    return pd.DataFrame(list(rows), columns=["district_id", "date", "count"])


@memoised
def districts_of(*, municipality: Municipality) -> list[District]:
    return list(District.objects.filter(municipality=municipality).order_by("order", "name"))


@memoised
def municipality_names() -> dict[int, tuple[str, str]]:
    return {pk: (code, name) for pk, code, name in Municipality.objects.values_list("pk", "code", "name")}


@memoised
def data_span(*, municipality: Municipality, date_basis: str = "report") -> tuple[dt.date | None, dt.date | None]:
    field = DATE_FIELD[date_basis]
    span = ReportedOffence.objects.filter(municipality=municipality).aggregate(first=Min(field), last=Max(field))
    return span["first"], span["last"]
