"""Data for the indicator page: yearly series per indicator, status, and the safety survey."""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from districts.models import Municipality, PopulationCount
from districts.population import population_on
from reports.charts import Chart, base_layout, district_colours, merged
from reports.models import ActivityFigure, OffenceCategory
from reports.periods import Period
from reports.selectors import data_span
from reports.services import FigureError, figure_table

from .indicators import STATUS_LABELS, Line, indicator_status
from .models import Indicator

SURVEY = "Andel utrygge"


def indicator_series(indicator: Indicator) -> dict[int, float | None]:
    kind, _, rest = indicator.measure.partition(":")
    municipality = indicator.municipality
    if kind == "figure":
        slug, _, argument = rest.partition(":")
        first, last = data_span(municipality=municipality)
        if not first or slug not in ("reports-per-1000", "young-charged-share"):
            return {}
        last_year = last.year if last.month == 12 else last.year - 1
        try:
            table = figure_table(slug=slug, municipality=municipality, period=str(first.year), to=str(last_year),
                                 categories=[argument] if argument and slug == "reports-per-1000" else None)
        except FigureError:
            return {}
        if slug == "young-charged-share":  # the whole municipality's share of one age group, e.g. 15-17
            rows = table[(table["age_group"] == argument) & (table["home_district"] == "")]
            return {int(p): (None if v != v else float(v)) for p, v in zip(rows["period"], rows["share_pct"], strict=True)}
        counts = list(PopulationCount.objects.filter(municipality=municipality, district__isnull=True, sex="",
                                                     age_from=0, age_to=125).values_list("date", "count"))
        series = {}
        for period, group in table.groupby("period"):
            population = population_on(counts, Period.parse(period).midpoint)
            series[int(period)] = group["reports"].sum() / population * 1000 if population else None
        return series
    if kind == "metric":
        rows = pd.DataFrame(list(ActivityFigure.objects.filter(municipality=municipality, name=rest)
                                 .values_list("period", "district_id", "value")), columns=["period", "district", "value"])
        if rows.empty:
            return {}
        rows["year"] = rows["period"].str[:4].astype(int)
        whole = rows[rows["district"].isna()]
        use = whole if not whole.empty else rows
        return {int(str(y)): float(v) for y, v in use.groupby("year")["value"].mean().items()}
    return {}


def indicator_rows(municipality: Municipality) -> list[dict]:
    rows = []
    for indicator in Indicator.objects.filter(municipality=municipality):
        series = indicator_series(indicator)
        line = Line(indicator.baseline_year, indicator.baseline_value, indicator.target_year, indicator.target_value)
        status, rule = indicator_status(line=line, direction=indicator.direction, series=series)
        years = sorted(set(series) | {indicator.baseline_year, indicator.target_year})
        # The line starts at the baseline and holds the target after its year; the chart and
        # the table beside it show the same points.
        expected = {y: line.expected(y) for y in years if y >= indicator.baseline_year}
        rows.append({"indicator": indicator, "series": series, "status": status, "status_label": str(STATUS_LABELS[status]),
                     "rule": rule, "line": sorted(expected.items()),
                     "table": [{"year": y, "value": series.get(y), "expected": expected.get(y)} for y in years]})
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
    data = [{"type": "scatter", "x": list(part["period"]), "y": list(part["value"]), "name": district,
             "mode": "lines+markers", "line": {"color": colours.get(str(district))}}
            for district, part in frame.groupby("district", sort=False)]
    layout = merged(base_layout(title=_("Andel, der føler sig utrygge (%)"), height=360, y_title=_("Procent"),
                                x_type="-"),
                    {"legend": {"orientation": "h", "y": -0.2}})
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
