"""Municipality comparison from DST series: reports per 1,000 residents beside peers.

The stored series are read per (table, area set, periods) with one query, the populations with one
more (two when FOLK1A rows stand in for missing counts); sums and rates are pandas operations.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Max, Q

from comparisons.dst_meta import areas as dst_areas
from comparisons.dst_meta import label_key, table_meta
from districts.models import Municipality, PopulationCount
from districts.population import population_on
from reports.models import CategoryCode, OffenceCategory
from reports.periods import Period, period_range

from .models import DstValue

COUNTRY = "000"
AREA_NAMES = {code: area.name for code, area in dst_areas().items() if area.kind in ("country", "region")}
COLUMNS = ["period", "municipality_code", "municipality", "category", "reports", "population", "reports_per_1000"]
# the variables besides OVERTRÆD that a series of reports is stored under, per table
REPORT_DIMS = {"STRAF11": "OVERTRÆD={code}", "STRAF22": "OVERTRÆD={code}|TYPE=ANM"}


class ComparisonError(ValueError):
    pass


@dataclass
class PeerChoice:
    """What a user asked to compare with: single areas and groups (a KOMGRP group, a police district)."""

    municipality: str
    singles: list[str] = field(default_factory=list)  # area codes, in the order given
    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, member codes)

    @property
    def codes(self) -> list[str]:
        members = [code for _name, codes in self.groups for code in codes]
        return list(dict.fromkeys([self.municipality, *self.singles, *members]))


def _vocabulary() -> tuple[dict[str, str], dict[str, tuple[str, list[str]]]]:
    """Names (and codes) → area code; group names (KOMGRP code and name, police district) → members."""
    areas: dict[str, str] = {}
    groups: dict[str, tuple[str, list[str]]] = {}
    for code, name, group_code, group_name, police in Municipality.objects.values_list(
            "code", "name", "group_code", "group_name", "police_district"):
        areas[label_key(name)] = code
        areas[code] = code
        if group_name:
            groups.setdefault(label_key(group_name), (group_name, []))[1].append(code)
            if group_code:
                groups.setdefault(f"komgrp:{group_code}", (group_name, groups[label_key(group_name)][1]))
        if police:
            groups.setdefault(label_key(police), (police, []))[1].append(code)
    for code, area in dst_areas().items():
        if area.kind in ("country", "region"):
            areas[code] = code
            for name in (area.name, *area.other_names):
                areas[label_key(name)] = code
    return areas, groups


def peer_suggestions() -> list[str]:
    """What the peers field suggests: municipalities, KOMGRP groups, police districts and the country."""
    rows = list(Municipality.objects.values_list("name", "group_name", "police_district"))
    names = sorted({n for n, _g, _p in rows})
    groups = sorted({g for _n, g, _p in rows if g})
    police = sorted({p for _n, _g, p in rows if p})
    return [*groups, *police, AREA_NAMES[COUNTRY], *names]


def peers_parse(municipality: Municipality, peers: str | list[str] | None) -> PeerChoice:
    """Names (case-free, Danish letters), codes, KOMGRP groups (by name or number) and police districts.

    Default: the municipality's police district (as a group) and the whole country.
    """
    choice = PeerChoice(municipality.code)
    if peers is None or peers == "" or peers == []:
        if municipality.police_district:
            members = list(Municipality.objects.filter(police_district=municipality.police_district)
                           .values_list("code", flat=True))
            if len(members) > 1:
                choice.groups.append((municipality.police_district, members))
        choice.singles.append(COUNTRY)
        return choice
    items = [p.strip() for p in peers.split(",") if p.strip()] if isinstance(peers, str) else list(peers)
    areas, groups = _vocabulary()
    for item in items:
        key = label_key(item)
        if item.isdigit() and len(item) > 1 and item.zfill(3) in areas:
            choice.singles.append(item.zfill(3))
        elif key in groups or f"komgrp:{item}" in groups:
            name, members = groups.get(key) or groups[f"komgrp:{item}"]
            choice.groups.append((name, list(members)))
        elif key in areas:
            choice.singles.append(areas[key])
        else:
            close = difflib.get_close_matches(key, [k for k in [*areas, *groups] if not k[:1].isdigit()
                                                    and not k.startswith("komgrp:")], n=1, cutoff=0.75)
            hint = ""
            if close:
                target = areas.get(close[0])
                hint = f" Mente du {_display_name(target) if target else groups[close[0]][0]}?"
            raise ComparisonError(f"Ukendt kommune eller kommunegruppe: {item}.{hint}")
    choice.singles = [c for c in dict.fromkeys(choice.singles) if c != municipality.code]
    return choice


def _display_name(code: str) -> str:
    return AREA_NAMES.get(code) or Municipality.objects.filter(code=code).values_list("name", flat=True).first() or code


def peers_resolve(municipality: Municipality, peers: str | list[str] | None) -> list[str]:
    """The area codes to compare: the municipality first, then the peers and the groups' members."""
    return peers_parse(municipality, peers).codes


def _quarters(period: Period) -> list[str]:
    if period.kind == "K":
        return [str(period)]
    first = (period.first_month - 1) // 3 + 1
    return [f"{period.year}K{q}" for q in range(first, first + period.months // 3)]


def category_codes(categories: list[str]) -> dict[str, set[str]]:
    """A category is a DST OVERTRÆD code (``TOT``, ``12``, ``1320``) or an offence category's slug (its DST codes)."""
    slugs = set(OffenceCategory.objects.filter(slug__in=categories).values_list("slug", flat=True))
    result: dict[str, set[str]] = {category: {category} for category in categories if category not in slugs}
    if slugs:
        for slug, code in CategoryCode.objects.filter(category__slug__in=slugs, source="dst").values_list(
                "category__slug", "code"):
            result.setdefault(slug, set()).add(code)
        for slug in slugs:
            result.setdefault(slug, set())
    return {category: result[category] for category in categories}


def _population(codes: list[str], start: dt.date, end: dt.date, *, last_only: tuple[str, ...] | list[str] = (),
                last_day: dt.date | None = None) -> dict[str, list]:
    """Municipality counts (and FOLK1A rows where no count is stored: the country) within a year of the periods;
    for ``last_only`` (the map's municipalities) only around ``last_day``."""
    low, high = start - dt.timedelta(days=400), end + dt.timedelta(days=400)
    codes = [*codes, *last_only]
    series: dict[str, list] = {code: [] for code in codes}
    where = Q(municipality__code__in=[c for c in codes if c not in last_only], date__range=(low, high))
    if last_only and last_day:
        where |= Q(municipality__code__in=list(last_only),
                   date__range=(last_day - dt.timedelta(days=400), last_day + dt.timedelta(days=400)))
    for code, day, count in PopulationCount.objects.filter(
        where, district__isnull=True, sex="", age_from=0, age_to=125,
    ).values_list("municipality__code", "date", "count"):
        series[code].append((day, count))
    quarters = {f"{year}K{q}": dt.date(year, 3 * q - 2, 1)  # FOLK1A counts on the 1st day of the quarter
                for year in range(low.year, high.year + 1) for q in range(1, 5)}
    counted = {code: {day for day, _c in days} for code, days in series.items()}
    for area, period, value in DstValue.objects.filter(
        table="FOLK1A", area_code__in=codes, dims__in=["", "ALDER=IALT|KØN=TOT", "ALDER=IALT|CIVILSTAND=TOT|KØN=TOT"],
        period__in=list(quarters),
    ).values_list("area_code", "period", "value"):
        if value is not None and quarters[period] not in counted[area]:
            series[area].append((quarters[period], value))
    return series


def _sums(cells: pd.DataFrame, *, codes: dict[str, set[str]], quarter_period: dict[str, str],
          needed: dict[str, int]) -> dict[tuple, float]:
    """(area, period, category) → the sum of its cells when every quarter is there and none is missing."""
    if cells.empty:
        return {}
    frame = pd.concat([cells[cells["code"].isin(wanted)].assign(category=category)
                       for category, wanted in codes.items()], ignore_index=True)
    if frame.empty:
        return {}
    frame["target"] = frame["period"].map(quarter_period)
    frame["missing"] = frame["value"].isna()
    grouped = frame.groupby(["area", "target", "category"], sort=False).agg(
        total=("value", "sum"), quarters=("period", "nunique"), missing=("missing", "any")).reset_index()
    grouped = grouped[(grouped["quarters"] == grouped["target"].map(needed)) & ~grouped["missing"]]
    return {(a, p, c): float(t) for a, p, c, t in zip(grouped["area"], grouped["target"], grouped["category"],
                                                    grouped["total"], strict=True)}


@dataclass
class ComparisonData:
    table: pd.DataFrame  # COLUMNS, one row per period, area and category
    national_source: str | None  # "dst": DST's own national series; "sum": the municipalities added up


def comparison_data(*, areas: list[str], period: str, to: str | None = None, categories: list[str],
                    table: str = "STRAF11", last_only: list[str] | None = None) -> ComparisonData:
    """The comparison's rows for ``areas`` (all periods) and ``last_only`` (the last period: the map)."""
    periods = period_range(period, to)
    quarterly = table == "STRAF11"
    quarter_period = {q: str(p) for p in periods for q in (_quarters(p) if quarterly else [str(p)])}
    needed = {str(p): len(_quarters(p)) if quarterly else 1 for p in periods}
    codes = category_codes(categories)
    all_codes = sorted(set().union(*codes.values())) if codes else []
    pattern = REPORT_DIMS.get(table, "OVERTRÆD={code}")
    last_only = [c for c in last_only or [] if c not in areas]
    wanted_areas = list(areas)
    if COUNTRY in areas:  # for the sum over the municipalities, when DST's national series is not there
        wanted_areas += [c for c in Municipality.objects.values_list("code", flat=True) if c not in areas]
        last_only = []
    dims = {pattern.format(code=code): code for code in all_codes}
    last_quarters = [q for q, p in quarter_period.items() if p == str(periods[-1])]
    where = Q(area_code__in=set(wanted_areas), period__in=list(quarter_period))
    if last_only:
        where |= Q(area_code__in=last_only, period__in=last_quarters)
    cells = pd.DataFrame(list(DstValue.objects.filter(where, table=table, dims__in=list(dims)).values_list(
        "area_code", "dims", "period", "value")), columns=["area", "dims", "period", "value"])
    cells["code"] = cells["dims"].map(dims)
    cells["value"] = cells["value"].astype(float)
    sums = _sums(cells, codes=codes, quarter_period=quarter_period, needed=needed)
    names = dict(Municipality.objects.filter(code__in=[*areas, *last_only]).values_list("code", "name"))
    population_codes = list(dict.fromkeys([*wanted_areas, *last_only]))
    population = _population(list(dict.fromkeys(wanted_areas)), periods[0].start, periods[-1].end,
                             last_only=last_only, last_day=periods[-1].midpoint)
    national_source = None
    if COUNTRY in areas:
        municipalities = [c for c in population_codes if c not in AREA_NAMES]
        own = [k for k in sums if k[0] == COUNTRY]
        national_source = "dst" if own or not municipalities else "sum"
    rows = []
    for p in periods:
        key_period = str(p)
        for area in areas + (last_only if p == periods[-1] else []):
            pop = population_on(population.get(area, []), p.midpoint)
            for category in categories:
                reports = sums.get((area, key_period, category))
                if area == COUNTRY and national_source == "sum":
                    parts = [sums.get((m, key_period, category)) for m in municipalities]
                    reports = sum(v for v in parts if v is not None) if any(v is not None for v in parts) else None
                    pops = [population_on(population.get(m, []), p.midpoint) for m in municipalities]
                    pop = pop or (sum(v for v in pops if v) or None)
                rate = reports / pop * 1000 if reports is not None and pop else None
                rows.append((key_period, area, names.get(area, AREA_NAMES.get(area, area)), category, _whole(reports),
                             _whole(pop), rate))
    return ComparisonData(pd.DataFrame(rows, columns=COLUMNS), national_source)


def _whole(value: float | None) -> float | int | None:
    """Counts are integers in tables and files (an interpolated population may keep its fraction)."""
    return int(value) if value is not None and float(value).is_integer() else value


def comparison_table(*, municipality: Municipality, period: str, to: str | None = None,
                     categories: list[str] | None = None, peers: str | list[str] | None = None,
                     table: str = "STRAF11") -> pd.DataFrame:
    return comparison_data(areas=peers_resolve(municipality, peers), period=period, to=to,
                           categories=categories or ["TOT"], table=table).table


def category_label(category: str, *, table: str = "STRAF11") -> str:
    meta = table_meta(table)
    label = meta.label_of("OVERTRÆD", category) if meta else category
    if label != category:
        return label
    return OffenceCategory.objects.filter(slug=category).values_list("name", flat=True).first() or category


def latest_complete_year(*, table: str = "STRAF11") -> int | None:
    """The newest year whose fourth quarter the DST table holds (quarterly tables), or its newest year."""
    # the newest period decides (quarters sort in time order as text); a DISTINCT over the model's ordering
    # read every row of the table
    # DST publishes the total (TOT) beside every offence: its newest period is one index lookup away
    total = DstValue.objects.filter(table=table, dims=REPORT_DIMS.get(table, "OVERTRÆD={code}").format(code="TOT"))
    newest = (total.aggregate(newest=Max("period"))["newest"]
              or DstValue.objects.filter(table=table).aggregate(newest=Max("period"))["newest"])
    if not newest or not newest[:4].isdigit():
        return None
    return int(newest[:4]) - (0 if len(newest) == 4 or newest.endswith("K4") else 1)
