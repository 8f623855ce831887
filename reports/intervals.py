"""A figure table's uncertainty columns and trends (domain.md), by a figure's own specification.

The statistics are ``reports.uncertainty``'s; which columns hold a figure's counts, rates and series is the
figure's (``reports.figures``): it passes its ``IntervalSpec`` and ``TrendSeries`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .periods import Period
from .uncertainty import (
    LEVEL,
    Trend,
    as_numbers,
    change_p_value,
    count_interval,
    period_years,
    poisson_trend,
    rate_interval,
)

# --- the columns of a figure's table -------------------------------------------------------------------------

@dataclass(frozen=True)
class IntervalSpec:
    count: str  # the count column: <count>_ci_low/_ci_high
    keys: tuple[str, ...]  # what identifies a series (besides the period): change_p_value against its previous period
    population: str | None = None
    rates: tuple[tuple[str, str, float], ...] = ()  # (rate column, interval prefix, per)




def interval_columns(spec: IntervalSpec | None) -> list[str]:
    """The columns ``with_intervals`` adds by ``spec`` (none without one: shares across districts, fig. 8)."""
    if spec is None:
        return []
    columns = [f"{spec.count}_ci_low", f"{spec.count}_ci_high"]
    for _rate, prefix, _per in spec.rates:
        columns += [f"{prefix}_ci_low", f"{prefix}_ci_high"]
    return [*columns, "change_p_value"]


def _insert_after(table: pd.DataFrame, anchor: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    position = list(table.columns).index(anchor) + 1 if anchor in table.columns else len(table.columns)
    for offset, (name, values) in enumerate(columns.items()):
        table.insert(position + offset, name, values)
    return table


def _period_order(labels: pd.Series) -> pd.Series:
    starts = {label: Period.parse(label).start for label in labels.dropna().unique()}
    return labels.map(starts)


def with_intervals(table: pd.DataFrame, *, spec: IntervalSpec | None, level: float = LEVEL) -> pd.DataFrame:
    """The figure's table with its interval columns (interfaces.md): ``<count>_ci_low``/``_ci_high`` beside the
    count, ``rate_ci_low``/``_high`` (and ``share_ci_*`` for the young people's share) beside each rate, and a
    ``change_p_value`` against the series' previous period in the table (empty for its first period).

    Computed from the cells of ``table`` only: in a public view it is given the suppressed table, so a hidden
    count ("<3", "..") leaves its own interval and rate interval empty, and the p-values of both changes it
    takes part in (it cannot be worked out from them). Figures without intervals come back unchanged.
    """
    if spec is None:
        return table
    out = table.copy()
    if out.empty:
        for column in interval_columns(spec):
            out[column] = pd.Series(dtype=float)
        return out
    low, high = count_interval(out[spec.count], level=level)
    _insert_after(out, spec.count, {f"{spec.count}_ci_low": low, f"{spec.count}_ci_high": high})
    population = out[spec.population] if spec.population else None
    for rate, prefix, per in spec.rates:
        if population is None:
            continue
        # a rate column hidden with its count (public views) stays hidden in its interval too
        hidden = pd.to_numeric(out[rate], errors="coerce").isna().to_numpy()
        rate_low, rate_high = rate_interval(out[spec.count], population, per=per, level=level)
        rate_low[hidden] = np.nan
        rate_high[hidden] = np.nan
        _insert_after(out, rate, {f"{prefix}_ci_low": rate_low, f"{prefix}_ci_high": rate_high})
    if "period" in out:
        order = _period_order(out["period"])
        ranked = out.assign(_order=order, _row=np.arange(len(out))).sort_values(["_order", "_row"], kind="stable")
        keys = [k for k in spec.keys if k in ranked]
        grouped = ranked.groupby(keys, sort=False, dropna=False) if keys else None
        counts = pd.Series(as_numbers(ranked[spec.count]), index=ranked.index)
        before = grouped[spec.count].shift(1) if grouped is not None else ranked[spec.count].shift(1)
        before = pd.Series(as_numbers(before), index=ranked.index)
        if spec.population:
            people = pd.Series(as_numbers(ranked[spec.population]), index=ranked.index)
            people_before = people.groupby([ranked[k] for k in keys], sort=False, dropna=False).shift(1) if keys \
                else people.shift(1)
            p = change_p_value(before, counts, people_before, people)
        else:
            p = change_p_value(before, counts)
        out["change_p_value"] = pd.Series(p, index=ranked.index).reindex(out.index).to_numpy()
    return out


@dataclass(frozen=True)
class TrendSeries:
    """What a figure's trend is fitted to."""

    count: str  # the count column
    name: str  # the column naming a series
    population: str | None = None  # the population column (a rate's trend), or None (the count's)


def figure_trends(table: pd.DataFrame, *, series_of: TrendSeries | None,
                  level: float = LEVEL) -> list[tuple[str | None, Trend]]:
    """The trend of each series a trend chart draws, over the table's periods: [(district, trend)].

    Count figures (2, 6) sum the categories per district, as their chart does, and add the whole municipality
    (name ``None``); fig. 3 fits the rate (the population as offset) per district. A series with a hidden
    count (public views) or fewer than three periods gets none, nor does the unknown district.
    """
    if series_of is None or table.empty or "period" not in table or table["period"].nunique() < 3:
        return []
    count, name, population = series_of.count, series_of.name, series_of.population
    frame = table[table[name] != ""]
    periods = list(dict.fromkeys(frame["period"]))
    years = period_years(periods)
    where = frame["period"].map({label: i for i, label in enumerate(periods)}).to_numpy(dtype=np.int64)
    counts = as_numbers(frame[count])
    people = as_numbers(frame[population]) if population else None
    names = frame[name].to_numpy(dtype=object)
    series: list[tuple[str | None, np.ndarray]] = [(str(s), names == s) for s in dict.fromkeys(names)]
    if not population:
        series.append((None, np.ones(len(frame), dtype=bool)))  # the whole municipality
    result: list[tuple[str | None, Trend]] = []
    for label, rows in series:
        if np.isnan(counts[rows]).any():
            continue  # a hidden count (public views): no trend from what is left
        summed = np.zeros(len(periods))
        np.add.at(summed, where[rows], counts[rows])
        exposure = None
        if people is not None:  # one row per district and period (fig. 3)
            exposure = np.full(len(periods), np.nan)
            exposure[where[rows]] = people[rows]
        trend = poisson_trend(years, summed, exposure, level=level)
        if trend is not None:
            result.append((label, trend))
    return result
