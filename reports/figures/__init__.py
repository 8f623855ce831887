"""The figures: one module per figure, registered in ``FIGURES`` (slug → ``Figure``), in the dashboard's order.

A figure's module holds its table computation, its web chart, its PDF chart, its suppression groups and its texts
(``base.Figure``). The dashboard, the downloads, ``export_figure``, the half-year report and the warming job all
read this registry; a ninth figure is a new module added to the list below.
"""

from __future__ import annotations

import pandas as pd

from .. import suppression
from ..charts import LATE_CHARGES_NOTE, SOURCE_LINE, Chart
from ..intervals import IntervalSpec
from ..intervals import with_intervals as _with_intervals
from ..suppression import Protection
from ..uncertainty import LEVEL
from . import (
    charged_persons_residence,
    charges_by_category,
    charges_share,
    offence_mix,
    reports_by_period,
    reports_per_1000,
    reports_share,
    young_charged_share,
)
from .base import Drawing, ExtraTable, Figure, FigureInputs

__all__ = ["EXTRA_TABLES", "FIGURES", "LATE_CHARGES_NOTE", "PROTECTIONS", "SOURCE_LINE", "Drawing", "ExtraTable",
           "Figure", "FigureInputs", "FigureSpec", "chart_alt", "chart_svg", "extra_table_register", "figure_chart",
           "interval_spec", "suppress", "with_intervals"]

FIGURES: dict[str, Figure] = {
    module.FIGURE.slug: module.FIGURE
    for module in (reports_by_period, reports_per_1000, offence_mix, reports_share, charges_by_category,
                   charges_share, charged_persons_residence, young_charged_share)
}
FigureSpec = Figure  # the old name

# How each personal figure is protected in public (``reports.suppression``).
PROTECTIONS: dict[str, Protection] = {slug: f.protection for slug, f in FIGURES.items() if f.protection is not None}

# Tables of apps above ``reports`` that the figure downloads serve too (the comparison with other municipalities).
EXTRA_TABLES: dict[str, ExtraTable] = {}


def extra_table_register(table: ExtraTable) -> None:
    """Let the downloads and ``export_figure`` serve ``table`` (called from the owning app's ``ready``)."""
    EXTRA_TABLES[table.slug] = table


def interval_spec(slug: str) -> IntervalSpec | None:
    """The uncertainty columns of a figure or registered table (None: it has none)."""
    if slug in FIGURES:
        return FIGURES[slug].intervals
    extra = EXTRA_TABLES.get(slug)
    return extra.intervals if extra is not None else None


def with_intervals(table: pd.DataFrame, *, slug: str, level: float = LEVEL) -> pd.DataFrame:
    """``slug``'s table with its uncertainty columns (``reports.intervals.with_intervals``)."""
    return _with_intervals(table, spec=interval_spec(slug), level=level)


def suppress(table: pd.DataFrame, *, slug: str, min_count: int) -> pd.DataFrame:
    """``slug``'s table as published (``reports.suppression.suppress`` with the figure's protection)."""
    return suppression.suppress(table, protection=PROTECTIONS.get(slug), min_count=min_count)


def figure_chart(*, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]],
                 category_names: dict[str, str] | None = None, late_charges: bool = False,
                 for_print: bool = False) -> Chart:
    """The web chart of ``slug`` from its table (``Figure.web_chart``)."""
    return FIGURES[slug].web_chart(table, districts=districts, category_names=category_names,
                                   late_charges=late_charges, for_print=for_print)


def chart_svg(*, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]], category_names: dict[str, str],
              municipality_name: str = "") -> str:
    """The report's chart of ``slug`` as SVG text (``Figure.pdf_chart``)."""
    return FIGURES[slug].pdf_chart(table, districts=districts, category_names=category_names,
                                   municipality_name=municipality_name)


def chart_alt(*, slug: str, table: pd.DataFrame, category_names: dict[str, str], municipality_name: str = "") -> str:
    """The report chart's alternative text (``Figure.pdf_alt``)."""
    return FIGURES[slug].pdf_alt(table, category_names=category_names, municipality_name=municipality_name)
