"""Data for the indicator page: yearly series per indicator, status, and the safety survey."""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from districts.models import Municipality, PopulationCount
from districts.population import population_on
from reports.charts import Chart, base_layout, district_colours
from reports.models import ActivityFigure, OffenceCategory
from reports.periods import Period
from reports.selectors import data_span
from reports.services import FigureError, figure_table

from .charts import legend_on_top, period_axis
from .indicators import STATUS_LABELS, Line, comparable, indicator_status, period_name, target_value
from .models import Indicator

SURVEY = "Andel utrygge"


def indicator_series(indicator: Indicator, kind: str = "Y") -> dict[str, float | None]:
    """The indicator's measure per period of ``kind`` ("Y" years, "H" half-years), as its figure shows it.

    Only complete periods of the data are given (the current, partial year is not a year's value); a period
    the data cover without a value is None ("Ingen data"), never 0.
    """
    measure_kind, _sep, rest = indicator.measure.partition(":")
    municipality = indicator.municipality
    if measure_kind == "figure":
        slug, _sep, argument = rest.partition(":")
        first, last = data_span(municipality=municipality)
        if not first or not last or slug not in ("reports-per-1000", "young-charged-share"):
            return {}
        start, stop = Period.containing(first, kind), Period.containing(last, kind)
        if last.month != stop.end.month:  # the newest period is only partly covered: it has no value yet
            stop = stop.previous()
        if stop < start:
            return {}
        try:
            table = figure_table(slug=slug, municipality=municipality, period=str(start), to=str(stop),
                                 categories=[argument] if argument and slug == "reports-per-1000" else None)
        except FigureError:
            return {}
        if slug == "young-charged-share":  # the whole municipality's share of one age group, e.g. 15-17
            rows = table[(table["age_group"] == argument) & (table["home_district"] == "")]
            return {str(p): (None if v != v else float(v)) for p, v in zip(rows["period"], rows["share_pct"], strict=True)}
        counts = list(PopulationCount.objects.filter(municipality=municipality, district__isnull=True, sex="",
                                                     age_from=0, age_to=125).values_list("date", "count"))
        # the districts and the unknown district ("") add up to the municipality (a total row, if the figure
        # ever has one, is not added twice)
        parts = table[table["district"].isin([*municipality.districts.values_list("name", flat=True), ""])]
        series: dict[str, float | None] = {}
        for period, group in parts.groupby("period"):
            population = population_on(counts, Period.parse(period).midpoint)
            series[str(period)] = float(group["reports"].sum() / population * 1000) if population else None
        return series
    if measure_kind == "metric":
        rows = pd.DataFrame(list(ActivityFigure.objects.filter(municipality=municipality, name=rest)
                                 .values_list("period", "district_id", "value")), columns=["period", "district", "value"])
        if rows.empty:
            return {}
        whole = rows[rows["district"].isna()]
        use = whole if not whole.empty else rows
        return _metric_periods(use, kind)
    return {}


def _metric_periods(rows: pd.DataFrame, kind: str) -> dict[str, float | None]:
    """An activity figure per period of ``kind``: the mean of its values (over districts, if only those).

    A year is the mean of its two half-years, and only when both are there (or the year itself was loaded):
    one half-year is not a year's value.
    """
    means = {Period.parse(str(p)): float(v) for p, v in rows.groupby("period")["value"].mean().items()}
    if kind == "H":
        return {str(p): v for p, v in sorted(means.items()) if p.kind == "H"}
    result: dict[str, float | None] = {str(p.year): v for p, v in means.items() if p.kind == "Y"}
    for year in sorted({p.year for p in means if p.kind == "H"}):
        halves = [means.get(Period(year, "H", n)) for n in (1, 2)]
        if str(year) not in result and None not in halves:
            result[str(year)] = sum(v for v in halves if v is not None) / 2
    return dict(sorted(result.items()))


def indicator_rows(municipality: Municipality) -> list[dict]:
    """Each indicator with its series in the baseline's period kind, baseline and target values, line and status."""
    rows = []
    for indicator in Indicator.objects.filter(municipality=municipality):
        baseline_period, target_period = Period.parse(indicator.baseline_period), Period.parse(indicator.target_period)
        series = indicator_series(indicator, baseline_period.kind)
        baseline = series.get(str(baseline_period))
        target = target_value(baseline=baseline, value=indicator.target_value, change_pct=indicator.target_change_pct)
        line = Line(baseline_period, baseline, target_period, target) if baseline is not None and target is not None \
            else None
        status, rule = indicator_status(line=line, baseline_period=baseline_period, direction=indicator.direction,
                                        series=series)
        periods = sorted({Period.parse(p) for p in series} | {baseline_period, target_period})
        # The line starts at the baseline and holds the target after its period; the chart and
        # the table beside it show the same points.
        expected = {p: line.expected(p) for p in periods if p >= baseline_period} if line else {}
        latest = max((p for p, v in comparable(series, baseline_period.kind).items()), default=None)
        rows.append({"indicator": indicator, "series": series, "status": status,
                     "status_label": str(STATUS_LABELS[status]), "rule": rule,
                     "baseline_period": baseline_period, "baseline_value": baseline,
                     "target_period": target_period, "target_value": target,
                     "baseline_name": period_name(baseline_period), "target_name": period_name(target_period),
                     "latest_period": latest, "latest_value": series.get(str(latest)) if latest else None,
                     "line": [(str(p), v) for p, v in sorted(expected.items())],
                     "table": [{"period": str(p), "label": period_name(p), "value": series.get(str(p)),
                                "expected": expected.get(p)} for p in periods]})
    return rows


def survey_table(municipality: Municipality) -> tuple[list[dict], Chart | None]:
    rows = list(ActivityFigure.objects.filter(municipality=municipality, name=SURVEY).select_related("district")
                .order_by("period", "district__order"))
    if not rows:
        return [], None
    records = [{"period": r.period, "district": r.district.name if r.district else _("Hele kommunen"),
                "value": r.value} for r in rows]
    colours = district_colours([(d.name, d.color) for d in municipality.districts.all()])
    frame = pd.DataFrame(records)
    periods = sorted({str(p) for p in frame["period"]}, key=Period.parse)
    labels, axis = period_axis(periods)
    label = dict(zip(periods, labels, strict=True))
    data = [{"type": "scatter", "x": [label[str(p)] for p in part["period"]], "y": list(part["value"]), "name": district,
             "mode": "lines+markers", "line": {"color": colours.get(str(district))},
             "hovertemplate": "%{x}: %{y:.1f} %<extra>%{fullData.name}</extra>"}
            for district, part in frame.groupby("district", sort=False)]
    layout = base_layout(title=_("Andel, der føler sig utrygge (%)"), height=380, y_title=_("Procent"))
    layout["xaxis"] = {**layout["xaxis"], **axis, "categoryorder": "array", "categoryarray": labels}
    layout = legend_on_top(layout)
    return records, {"data": data, "layout": layout}


def measure_choices(municipality: Municipality) -> list[tuple[str, str]]:
    """What an indicator can follow: reports per 1,000 of a category, the share of an age group charged,
    or one of the municipality's activity figures (nøgletal)."""
    per_1000 = _("Anmeldelser pr. 1.000 indbyggere – %(category)s")
    choices = [(f"figure:reports-per-1000:{slug}", per_1000 % {"category": name})
               for slug, name in OffenceCategory.objects.values_list("slug", "name")]
    charged = _("Andel af de %(low)s–%(high)s-årige, der er sigtet (%%)")
    choices += [(f"figure:young-charged-share:{low}-{high}", charged % {"low": low, "high": high})
                for low, high in settings.YOUNG_AGE_GROUPS]
    names = ActivityFigure.objects.filter(municipality=municipality).values_list("name", flat=True)
    choices += [(f"metric:{name}", _("Nøgletal: %(name)s") % {"name": name}) for name in sorted(set(names))]
    return choices
