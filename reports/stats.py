"""The numbers of the half-year report: pure pandas, no ORM, no HTTP (domain.md).

Inputs are small aggregated frames from ``reports.selectors``:
- counts: month, district_id, code, <value> (reports or charges)
- population: district_id, date, count
- categories: slug → set of police codes (categories may overlap)
- districts: list of (id, name) in display order
District ``""`` is the unknown district: it keeps its own row and counts, but has no
population and so no rate.
"""

from __future__ import annotations

import pandas as pd

from districts.population import population_on

from .periods import Period
from .uncertainty import change_p_value

UNKNOWN = ""


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def with_period(frame: pd.DataFrame, periods: list[Period], column: str = "month") -> pd.DataFrame:
    """Add ``period`` (e.g. "2016H2") from a date column; drop rows outside the periods."""
    if frame.empty:
        return frame.assign(period=pd.Series(dtype=object))
    kind = periods[0].kind
    wanted = {str(p) for p in periods}
    labels = {day: str(Period.containing(day, kind)) for day in frame[column].dropna().unique()}
    out = frame.assign(period=frame[column].map(labels))
    return out[out["period"].isin(wanted)]


def with_district_names(frame: pd.DataFrame, districts: list[tuple[int, str]]) -> pd.DataFrame:
    names = pd.Series(dict(districts), dtype=object)
    return frame.assign(district=frame["district_id"].map(names).fillna(UNKNOWN).astype(object))


def _district_order(frame: pd.DataFrame, districts: list[tuple[int, str]]) -> list[str]:
    order = [name for _id, name in districts]
    if (frame["district"] == UNKNOWN).any() if not frame.empty else False:
        order.append(UNKNOWN)
    return order


def _code_categories(categories: dict[str, set[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(code, slug) for slug, codes in categories.items() for code in sorted(codes)], columns=["code", "category"]
    )


def counts_by_category(
    counts: pd.DataFrame, *, value: str, periods: list[Period], categories: dict[str, set[str]],
    districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """period, district, category, <value>: every combination, zeros included."""
    frame = with_district_names(with_period(counts, periods), districts)
    merged = frame.merge(_code_categories(categories), on="code", how="inner")
    summed = merged.groupby(["period", "district", "category"], as_index=False)[value].sum()
    grid = pd.MultiIndex.from_product(
        [[str(p) for p in periods], _district_order(frame, districts), list(categories)],
        names=["period", "district", "category"],
    )
    result = summed.set_index(["period", "district", "category"]).reindex(grid, fill_value=0).reset_index()
    result[value] = result[value].astype(int)
    return result


def counts_in_any_category(
    counts: pd.DataFrame, *, value: str, periods: list[Period], categories: dict[str, set[str]],
    districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """period, district, <value>: offences whose code is in any category, each counted once."""
    union = set().union(*categories.values()) if categories else set()
    frame = with_district_names(with_period(counts, periods), districts)
    frame = frame[frame["code"].isin(union)]
    summed = frame.groupby(["period", "district"], as_index=False)[value].sum()
    grid = pd.MultiIndex.from_product(
        [[str(p) for p in periods], _district_order(frame, districts)], names=["period", "district"]
    )
    result = summed.set_index(["period", "district"]).reindex(grid, fill_value=0).reset_index()
    result[value] = result[value].astype(int)
    return result


def mid_period_population(
    population: pd.DataFrame, *, periods: list[Period], districts: list[tuple[int, str]]
) -> pd.DataFrame:
    """period, district, population on the period's midpoint (missing → NaN, never 0)."""
    rows = []
    for district_id, name in districts:
        own = population[population["district_id"] == district_id]
        counts = list(zip(own["date"], own["count"], strict=True))
        for period in periods:
            value = population_on(counts, period.midpoint)
            rows.append((str(period), name, float("nan") if value is None else value))
    return pd.DataFrame(rows, columns=["period", "district", "population"])


def add_rates(frame: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    merged = frame.merge(population, on=["period", "district"], how="left")
    merged["reports_per_1000"] = merged["reports"] / merged["population"] * 1000
    return merged


def reports_by_period(counts, *, periods, categories, districts) -> pd.DataFrame:
    return counts_by_category(counts, value="reports", periods=periods, categories=categories, districts=districts)


def reports_per_1000(counts, population, *, periods, categories, districts) -> pd.DataFrame:
    frame = counts_in_any_category(counts, value="reports", periods=periods, categories=categories,
                                   districts=districts)
    pop = mid_period_population(population, periods=periods, districts=districts)
    return add_rates(frame, pop)[["period", "district", "reports", "population", "reports_per_1000"]]


def offence_mix(by_period, population, *, periods, districts) -> pd.DataFrame:
    """Fig. 2's counts (``reports_by_period``) with rates per 1,000 residents."""
    pop = mid_period_population(population, periods=periods, districts=districts)
    return add_rates(by_period, pop)[["period", "district", "category", "reports", "population", "reports_per_1000"]]


def reports_share(mix, *, categories) -> pd.DataFrame:
    """rate(district) / Σ rate(all districts) × 100, per period and category (domain.md, fig. 5), from ``offence_mix``."""
    mix = mix[mix["district"] != UNKNOWN]
    total = mix.groupby(["period", "category"])["reports_per_1000"].transform(lambda s: s.sum(min_count=1))
    mix = mix.assign(share_pct=mix["reports_per_1000"] / total.where(total != 0) * 100)
    return _in_category_order(mix, categories, ["period", "category", "district", "reports_per_1000", "share_pct"])


def charges_by_category(counts, *, periods, categories, districts) -> pd.DataFrame:
    return counts_by_category(counts, value="charges", periods=periods, categories=categories, districts=districts)


def charges_share(frame, *, categories) -> pd.DataFrame:
    """Plain share of the municipality's charges per period and category (fig. 7), from ``charges_by_category``."""
    total = frame.groupby(["period", "category"])["charges"].transform("sum")
    frame = frame.assign(share_pct=frame["charges"] / total.where(total != 0) * 100)
    return _in_category_order(frame, categories, ["period", "category", "district", "charges", "share_pct"])


def _in_category_order(frame: pd.DataFrame, categories, columns: list[str]) -> pd.DataFrame:
    """A share table by period, then category in the chosen order; districts keep theirs (stable sort)."""
    order = {slug: i for i, slug in enumerate(categories)}
    frame = frame.assign(_c=frame["category"].map(order)).sort_values(["period", "_c"], kind="stable")
    return frame[columns].reset_index(drop=True)


def charged_persons_residence(
    persons: pd.DataFrame, *, periods: list[Period], municipality_id: int,
    municipalities: dict[int, tuple[str, str]], districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """Distinct persons per period by home municipality (and home district at home), fig. 8.

    ``persons``: period, home_municipality_id, home_district_id, persons, where each person
    counts once per period with the residence of their first charge in it (earliest offence by
    the date basis, then charge date; ``selectors.first_charge_persons``).
    """
    columns = ["period", "home_municipality_code", "home_municipality", "home_district", "persons"]
    # a few hundred count rows: plain Python sums beat a pandas filter per period and district
    at_home: dict[tuple[str, int | None], int] = {}  # (period, home district id or None) → persons
    elsewhere: dict[str, dict[int, int]] = {}  # period → {home municipality id → persons}
    unknown: dict[str, int] = {}
    for period, home_id, district_id, n in persons[["period", "home_municipality_id", "home_district_id",
                                                     "persons"]].itertuples(index=False):
        if pd.isna(home_id):
            unknown[period] = unknown.get(period, 0) + int(n)
        elif int(home_id) == municipality_id:
            key = (period, None if pd.isna(district_id) else int(district_id))
            at_home[key] = at_home.get(key, 0) + int(n)
        else:
            per_home = elsewhere.setdefault(period, {})
            per_home[int(home_id)] = per_home.get(int(home_id), 0) + int(n)
    present = set(persons["period"])
    rows = []
    code, name = municipalities[municipality_id]
    for period in [str(p) for p in periods]:
        if period not in present:
            continue
        own = {district_id: n for (p, district_id), n in at_home.items() if p == period}
        rows.append((period, code, name, "", sum(own.values())))
        for district_id, district_name in districts:
            rows.append((period, code, name, district_name, own.get(district_id, 0)))
        counted = [(n, municipalities[other_id]) for other_id, n in elsewhere.get(period, {}).items()]
        for n, (other_code, other_name) in sorted(counted, key=lambda c: (-c[0], c[1][0])):  # most first, then by code
            rows.append((period, other_code, other_name, "", n))
        if unknown.get(period):
            rows.append((period, "", "Uoplyst", "", unknown[period]))
    return pd.DataFrame(rows, columns=columns) if rows else _empty(columns)


def key_figures(per_1000_now: pd.DataFrame, per_1000_before: pd.DataFrame) -> pd.DataFrame:
    """district, reports, reports_before, change_pct, reports_per_1000, reports_per_1000_before, rate_change_pct,
    change_p_value (the conditional binomial test of the rate's change, domain.md; counts alone where a
    population is missing)."""
    now = per_1000_now.drop(columns=["period"]).set_index("district")
    before = per_1000_before.drop(columns=["period"]).set_index("district")
    out = now.merge(before, left_index=True, right_index=True, how="left", suffixes=("", "_before")).reset_index()
    out["change_pct"] = (out["reports"] - out["reports_before"]) / out["reports_before"].where(
        out["reports_before"] != 0
    ) * 100
    rate_before = out["reports_per_1000_before"].astype(float)
    out["rate_change_pct"] = (out["reports_per_1000"].astype(float) - rate_before) / rate_before.where(
        rate_before != 0) * 100
    out["change_p_value"] = change_p_value(out["reports_before"], out["reports"], out["population_before"],
                                           out["population"])
    return out[["district", "reports", "reports_before", "change_pct", "reports_per_1000", "reports_per_1000_before",
                "rate_change_pct", "change_p_value"]]


def age_band_counts(population: pd.DataFrame, *, band: tuple[int, int]) -> dict[int | None, list]:
    """{district id (``None``: the municipality's own rows): [(date, residents aged low–high)]}.

    A row for exactly that band wins; otherwise single years are summed when every year of the band is there.
    """
    low, high = band
    if population.empty:
        return {}
    frame = population.assign(area=population["district_id"].fillna(-1).astype(int))
    exact = frame[(frame["age_from"] == low) & (frame["age_to"] == high)].groupby(["area", "date"])["count"].first()
    years = frame[(frame["age_from"] == frame["age_to"]) & frame["age_from"].between(low, high)]
    grouped = years.groupby(["area", "date"]).agg(count=("count", "sum"), ages=("age_from", "nunique"))
    complete: pd.Series = grouped.loc[grouped["ages"] == high - low + 1, "count"]
    counts = pd.concat([exact, complete[~complete.index.isin(exact.index)]]).sort_index()
    result: dict[int | None, list] = {}
    for (area, day), value in zip(counts.index, counts.to_numpy(), strict=True):
        result.setdefault(None if area == -1 else int(area), []).append((day, float(value)))
    return result


def young_charged_share(
    persons: pd.DataFrame, population: pd.DataFrame, *, periods: list[Period], age_groups: list[tuple[int, int]],
    districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """Share of the municipality's young residents charged in the period, per age group (domain.md).

    ``persons``: period, home_district_id, birth_year, persons, for persons living in the
    municipality, each counted once per period with the residence and birth year of their first
    charge in it (as in fig. 8). Age is the period's year minus the birth year (every period lies
    within one year). The municipality's row has ``home_district`` empty; persons without a
    district count there only. The population of the band on the period's midpoint: the
    municipality's own count, else the sum of its districts' counts when every district has one.
    """
    columns = ["period", "age_group", "home_district", "persons", "population", "persons_per_1000", "share_pct"]
    areas: list[tuple[str, int | None]] = [("", None)] + [(name, pk) for pk, name in districts]
    bands = {band: age_band_counts(population, band=band) for band in age_groups}
    counts: dict[tuple[str, tuple[int, int], int | None], int] = {}  # (period, band, area) → persons
    years = {str(period): period.year for period in periods}
    for period, district_id, birth_year, n in persons[["period", "home_district_id", "birth_year",
                                                       "persons"]].itertuples(index=False):
        if pd.isna(birth_year) or period not in years:
            continue
        age = years[period] - int(birth_year)
        for band in age_groups:
            if band[0] <= age <= band[1]:
                for area in {None, None if pd.isna(district_id) else int(district_id)}:
                    counts[period, band, area] = counts.get((period, band, area), 0) + int(n)
    rows = []
    for period in periods:
        for band in age_groups:
            residents = {pk: population_on(bands[band].get(pk, []), period.midpoint) for _name, pk in areas}
            own_districts = [residents[pk] for _name, pk in areas[1:]]
            if residents[None] is None and own_districts and None not in own_districts:
                residents[None] = sum(v for v in own_districts if v is not None)
            for name, pk in areas:
                count = counts.get((str(period), band, pk), 0)
                people = residents[pk]
                rate = count / people if people else float("nan")
                rows.append((str(period), f"{band[0]}-{band[1]}", name, count,
                             float("nan") if people is None else people, rate * 1000, rate * 100))
    return pd.DataFrame(rows, columns=columns)
