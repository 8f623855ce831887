"""Fig. 3: reports per 1,000 residents by district and period, the chosen categories together."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..charts import bar, district_label, error_bars
from ..halfyear.svgcharts import period_bars_svg, series_alt
from ..intervals import IntervalSpec, TrendSeries
from ..stats import add_rates, counts_in_any_category, mid_period_population
from .base import Drawing, Figure, FigureInputs, offence_counts


@dataclass(frozen=True)
class ReportsPer1000(Figure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        frame = counts_in_any_category(offence_counts(inputs), value="reports", periods=inputs.periods,
                                       categories=inputs.category_codes, districts=inputs.districts)
        population = selectors.district_population(municipality=inputs.municipality)
        pop = mid_period_population(population, periods=inputs.periods, districts=inputs.districts)
        return add_rates(frame, pop)[["period", "district", "reports", "population", "reports_per_1000"]]

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        data = []
        value = self.value
        for district in dict.fromkeys(numeric["district"]):
            part = numeric[numeric["district"] == district]
            if part[value].isna().all():
                continue
            data.append(bar(name=district_label(district), x=part["period"], y=part[value],
                            colour=drawing.colours.get(district),
                            hovertemplate="%{x}: %{y:.1f}<extra>%{fullData.name}</extra>", **error_bars(part, value)))
        return data

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return period_bars_svg(frame, value="reports_per_1000", colours=drawing.colours, periods=drawing.periods,
                               ylabel="Pr. 1.000 indbyggere", decimals=True)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        return series_alt(frame, value=self.value, what="Anmeldelser pr. 1.000 indbyggere", span=span,
                          districts=districts)

    def appendix_series(self, frame, names):
        return frame, ["district"], [("reports", "Anmeldelser"), ("reports_per_1000", "Pr. 1.000")], ["Bydel", "Tal"]


FIGURE = ReportsPer1000(
    "reports-per-1000", 3, _("Anmeldelser pr. 1.000 indbyggere"),
    _("Anmeldelser pr. 1.000 indbyggere i bydelene (befolkning midt i perioden), "
      "de valgte gerningstyper tilsammen."),
    ("period", "district", "reports", "population", "reports_per_1000"), value="reports_per_1000",
    series=True,
    intervals=IntervalSpec("reports", ("district",), "population", (("reports_per_1000", "rate", 1000),)),
    trend=TrendSeries("reports", "district", "population"),
    measures=(("count", "reports"), ("per1000", "reports_per_1000")), total="rate",
)
