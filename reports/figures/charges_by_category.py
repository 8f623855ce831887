"""Fig. 6: charges by district (the offence's place), category and period."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from ..charts import category_bars
from ..halfyear.svgcharts import category_alt, category_bars_svg
from ..intervals import IntervalSpec, TrendSeries
from ..stats import counts_by_category
from ..suppression import Protection
from .base import Drawing, Figure, FigureInputs, charge_counts


@dataclass(frozen=True)
class ChargesByCategory(Figure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        return counts_by_category(charge_counts(inputs), value="charges", periods=inputs.periods,
                                  categories=inputs.category_codes, districts=inputs.districts)

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        return category_bars(numeric, value=self.value, several_periods=drawing.several_periods,
                             colours=drawing.colours, names=drawing.names)

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return category_bars_svg(frame, value="charges", colours=drawing.colours, names=drawing.names,
                                 ylabel="Sigtelser", decimals=False)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        return category_alt(frame, value=self.value, what="Sigtelser", span=span, districts=districts, names=names)


FIGURE = ChargesByCategory(
    "charges-by-category", 6, _("Sigtelser pr. bydel"),
    _("Antal sigtelser for anmeldelser i kommunen, efter gerningssted og gerningstype."),
    ("period", "district", "category", "charges"), personal=True, value="charges",
    unknown_district_rows=True,
    protection=Protection(("period", "category"), "charges"),
    intervals=IntervalSpec("charges", ("district", "category")),
    trend=TrendSeries("charges", "district"),
    measures=(("count", "charges"),), total="sum",
)
