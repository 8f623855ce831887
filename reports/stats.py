"""The building blocks of the figures' numbers: pure pandas, no ORM, no HTTP (domain.md).

Each figure's own computation is in its module of ``reports.figures``; what several share is here.

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


def empty_table(columns: list[str]) -> pd.DataFrame:
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


def in_category_order(frame: pd.DataFrame, categories, columns: list[str]) -> pd.DataFrame:
    """A share table by period, then category in the chosen order; districts keep theirs (stable sort)."""
    order = {slug: i for i, slug in enumerate(categories)}
    frame = frame.assign(_c=frame["category"].map(order)).sort_values(["period", "_c"], kind="stable")
    return frame[columns].reset_index(drop=True)


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
