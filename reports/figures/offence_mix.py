"""Fig. 4: reports by category and district, counts and per 1,000 residents (fig. 2's counts with rates)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..charts import bar, category_label, district_label, error_bars
from ..halfyear.svgcharts import category_alt, category_bars_svg
from ..intervals import IntervalSpec
from ..stats import add_rates, mid_period_population
from .base import Drawing, Figure, FigureInputs


@dataclass(frozen=True)
class OffenceMix(Figure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        """Fig. 2's whole table (``base``) with rates per 1,000 residents."""
        assert base is not None  # built on another figure's table
        population = selectors.district_population(municipality=inputs.municipality)
        pop = mid_period_population(population, periods=inputs.periods, districts=inputs.districts)
        return add_rates(base, pop)[["period", "district", "category", "reports", "population", "reports_per_1000"]]

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        data = []
        value = self.value
        last = drawing.last(numeric)
        for district in dict.fromkeys(last["district"]):
            part = last[last["district"] == district]
            if part[value].isna().all():
                continue
            data.append(bar(name=district_label(district), x=[category_label(c, drawing.names) for c in part["category"]],
                            y=part[value], colour=drawing.colours.get(district),
                            hovertemplate="%{x}: %{y:.1f}<extra>%{fullData.name}</extra>", **error_bars(part, value)))
        return data

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return category_bars_svg(frame, value="reports_per_1000", colours=drawing.colours, names=drawing.names,
                                 ylabel="Pr. 1.000 indbyggere", decimals=True)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        return category_alt(frame, value=self.value, what="Anmeldelser pr. 1.000 indbyggere", span=span,
                            districts=districts, names=names)


FIGURE = OffenceMix(
    "offence-mix", 4, _("Gerningstyper pr. bydel"),
    _("Anmeldelser fordelt på gerningstyper i bydelene, antal og pr. 1.000 indbyggere."),
    ("period", "district", "category", "reports", "population", "reports_per_1000"),
    value="reports_per_1000", built_on="reports-by-period", titled_by_last_period=True,
    intervals=IntervalSpec("reports", ("district", "category"), "population", (("reports_per_1000", "rate", 1000),)),
    measures=(("count", "reports"), ("per1000", "reports_per_1000")), total="rate",
)
