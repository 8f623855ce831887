"""Municipality comparison from DST series: reports per 1,000 residents beside peers."""

from __future__ import annotations

import pandas as pd

from districts.models import Municipality, PopulationCount
from districts.population import population_on
from reports.models import CategoryCode, OffenceCategory
from reports.periods import Period, period_range

from .models import DstValue

AREA_NAMES = {"000": "Hele landet", "081": "Region Nordjylland", "082": "Region Midtjylland",
              "083": "Region Syddanmark", "084": "Region Hovedstaden", "085": "Region Sjælland"}
COLUMNS = ["period", "municipality_code", "municipality", "category", "reports", "population", "reports_per_1000"]


class ComparisonError(ValueError):
    pass


def peers_resolve(municipality: Municipality, peers: str | list[str] | None) -> list[str]:
    """Default: the municipality's police district and the whole country; or codes; or a KOMGRP group."""
    if peers is None or peers == "":
        codes = list(Municipality.objects.filter(police_district=municipality.police_district)
                     .exclude(pk=municipality.pk).values_list("code", flat=True)) if municipality.police_district else []
        return [municipality.code, *codes, "000"]
    items = [p.strip() for p in peers.split(",") if p.strip()] if isinstance(peers, str) else list(peers)
    known = set(Municipality.objects.values_list("code", flat=True)) | set(AREA_NAMES)
    groups: dict[str, list[str]] = {}
    for code, group_code, group_name in Municipality.objects.values_list("code", "group_code", "group_name"):
        for key in (group_code, group_name.casefold()):
            if key:
                groups.setdefault(key, []).append(code)
    codes = []
    for item in items:
        if item.isdigit() and len(item) > 1 and item.zfill(3) in known:
            codes.append(item.zfill(3))
        elif item.casefold() in groups or item in groups:
            codes += groups.get(item.casefold(), groups.get(item, []))
        else:
            raise ComparisonError(f"Ukendt kommune eller kommunegruppe: {item}.")
    return list(dict.fromkeys([municipality.code, *codes]))


def _quarters(period: Period) -> list[str]:
    if period.kind == "K":
        return [str(period)]
    first = (period.first_month - 1) // 3 + 1
    return [f"{period.year}K{q}" for q in range(first, first + period.months // 3)]


def _category_codes(categories: list[str]) -> dict[str, set[str]]:
    slugs = set(OffenceCategory.objects.filter(slug__in=categories).values_list("slug", flat=True))
    result = {}
    for category in categories:
        if category in slugs:
            result[category] = set(CategoryCode.objects.filter(category__slug=category, source="dst")
                                   .values_list("code", flat=True))
        else:
            result[category] = {category}
    return result


def _population(codes: list[str]) -> dict[str, list]:
    series: dict[str, list] = {code: [] for code in codes}
    for code, day, count in PopulationCount.objects.filter(
        municipality__code__in=codes, district__isnull=True, sex="", age_from=0, age_to=125
    ).values_list("municipality__code", "date", "count"):
        series[code].append((day, count))
    for area, period, value in DstValue.objects.filter(
        table="FOLK1A", area_code__in=codes, dims__in=["", "ALDER=IALT|KØN=TOT"], period__regex=r"^\d{4}K[1-4]$"
    ).values_list("area_code", "period", "value"):
        day = Period.parse(period).start  # FOLK1A counts on the 1st day of the quarter
        if value is not None and all(d != day for d, _ in series[area]):
            series[area].append((day, value))
    return series


def comparison_table(*, municipality: Municipality, period: str, to: str | None = None,
                     categories: list[str] | None = None, peers: str | list[str] | None = None,
                     table: str = "STRAF11") -> pd.DataFrame:
    periods = period_range(period, to)
    areas = peers_resolve(municipality, peers)
    categories = categories or ["TOT"]
    codes = _category_codes(categories)
    wanted_periods = sorted({q for p in periods for q in _quarters(p)}) if table == "STRAF11" else [str(p) for p in periods]
    cells = pd.DataFrame(list(DstValue.objects.filter(table=table, area_code__in=areas, period__in=wanted_periods)
                              .values_list("area_code", "dims", "period", "value")),
                         columns=["area", "dims", "period", "value"])
    if not cells.empty:
        cells["code"] = cells["dims"].str.extract(r"OVERTRÆD=([^|]+)", expand=False)
    names = dict(Municipality.objects.filter(code__in=areas).values_list("code", "name"))
    population = _population(areas)
    rows = []
    for p in periods:
        quarters = _quarters(p) if table == "STRAF11" else [str(p)]
        for area in areas:
            pop = population_on(population.get(area, []), p.midpoint)
            for category in categories:
                part = cells[(cells["area"] == area) & cells["period"].isin(quarters) & cells["code"].isin(codes[category])] \
                    if not cells.empty else cells
                complete = part["period"].nunique() == len(quarters) and part["value"].notna().all() if len(part) else False
                reports = float(part["value"].sum()) if complete else None
                rate = reports / pop * 1000 if reports is not None and pop else None
                rows.append((str(p), area, names.get(area, AREA_NAMES.get(area, area)), category, reports, pop, rate))
    return pd.DataFrame(rows, columns=COLUMNS)


def latest_complete_year(*, table: str = "STRAF11") -> int | None:
    """The newest year whose fourth quarter the DST table holds (quarterly tables), or its newest year."""
    periods = DstValue.objects.filter(table=table).values_list("period", flat=True).distinct()
    years = [int(p[:4]) - (0 if len(p) == 4 or p.endswith("K4") else 1) for p in periods if p[:4].isdigit()]
    return max(years, default=None)
