"""Fig. 2: reports by district, category and period."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from ..charts import category_bars
from ..halfyear.svgcharts import period_bars_svg, series_alt
from ..intervals import IntervalSpec, TrendSeries
from ..stats import counts_by_category
from .base import Drawing, Figure, FigureInputs, offence_counts


@dataclass(frozen=True)
class ReportsByPeriod(Figure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        return counts_by_category(offence_counts(inputs), value="reports", periods=inputs.periods,
                                  categories=inputs.category_codes, districts=inputs.districts)

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        return category_bars(numeric, value=self.value, several_periods=drawing.several_periods,
                             colours=drawing.colours, names=drawing.names)

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return period_bars_svg(frame, value="reports", colours=drawing.colours, periods=drawing.periods,
                               ylabel="Anmeldelser", decimals=False)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        return series_alt(frame, value=self.value, what="Anmeldelser", span=span, districts=districts)

    def appendix_series(self, frame, names):
        frame = frame.assign(category=frame["category"].map(lambda c: names.get(c, c)))
        return frame, ["district", "category"], [("reports", None)], ["Bydel", "Gerningstype"]


FIGURE = ReportsByPeriod(
    "reports-by-period", 2, _("Anmeldelser pr. bydel"),
    _("Antal anmeldelser pr. år fordelt på gerningstyper og bydele."),
    ("period", "district", "category", "reports"),
    series=True,
    intervals=IntervalSpec("reports", ("district", "category")),
    trend=TrendSeries("reports", "district"),
    measures=(("count", "reports"),), total="sum",
)
