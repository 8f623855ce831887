"""The Figure type: one figure's texts, table, web chart, PDF chart, suppression and uncertainty in one object.

Each figure is a module of this package holding one ``Figure`` (a subclass where it draws or computes something
of its own); ``reports.figures.FIGURES`` lists them. The dashboard, the downloads, ``export_figure``, the
half-year report and the warming job read that registry and call these methods; nothing else knows a slug.

What is shared by several figures stays in the shared modules: the statistics' building blocks
(``reports.stats``), the chart pieces (``reports.charts``), the SVG primitives (``reports.halfyear.svgcharts``),
periods (``reports.periods``), the suppression machinery (``reports.suppression``) and the interval and trend
machinery (``reports.intervals``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from districts.models import Municipality

from .. import selectors
from ..charts import AXIS, LATE_CHARGES_NOTE, Chart, district_colours, figure_layout, share_bars
from ..halfyear.svgcharts import category_alt, share_stacks_svg
from ..intervals import IntervalSpec, TrendSeries, figure_trends
from ..periods import Period
from ..suppression import Protection
from ..tables import COLUMN_LABELS
from ..uncertainty import Trend


@dataclass(frozen=True)
class FigureInputs:
    """What a figure's whole table (staff view, all districts) is computed from: the filters, checked and
    resolved by ``reports.services.figure_table``."""

    municipality: Municipality
    period: str  # the first period as asked ("2016", "2016H2")
    to: str | None  # the last one, or None for ``period`` alone
    periods: list[Period]  # every period from ``period`` to ``to``
    categories: list[str] | None  # the categories as asked (None: the municipality's report categories)
    category_codes: dict[str, set[str]]  # category slug → police codes, in the chosen order
    districts: list[tuple[int, str]]  # the municipality's districts (id, name) in display order
    date_basis: str = "report"


@dataclass(frozen=True)
class Drawing:
    """What a chart of a table is drawn with: the districts' colours, the categories' names, the table's periods."""

    colours: dict[str, str]
    names: dict[str, str]
    periods: list[str]
    municipality_name: str = ""

    @property
    def several_periods(self) -> bool:
        return len(self.periods) > 1

    def last(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of the last period (the figures that show one period of a series)."""
        return frame[frame["period"] == self.periods[-1]] if self.periods else frame


@dataclass(frozen=True)
class Figure:
    """One figure. The fields are its texts and columns; the methods its table, charts and public rows."""

    slug: str
    number: int | None  # figure number in the DKE half-year report
    title: str | Promise
    caption: str | Promise
    columns: tuple[str, ...]
    personal: bool = False  # counts of charges/persons: suppressed in public views
    persons: bool = False  # persons counted once per period, from the row-level charge facts: the slow queries
    value: str = "reports"  # the main value column
    chart: str = "bar"
    built_on: str | None = None  # computed from this figure's whole table (cached: the page shows both)
    series: bool = False  # the half-year report draws it over the years (the others for the focus period)
    titled_by_last_period: bool = False  # over several periods its chart shows (and names) the last one
    unknown_district_rows: bool = False  # in public, every group has a row for the unknown district
    protection: Protection | None = None  # how its counts are protected in public (personal figures)
    intervals: IntervalSpec | None = None  # its uncertainty columns ("Vis usikkerhed"), if any
    trend: TrendSeries | None = None  # what its trend over the periods is fitted to, if any
    appendix_hidden: tuple[str, ...] = ()  # columns the report's appendix leaves out
    # "Vis som" (antal / pr. 1.000 / andel): (measure, value column) for each measure the figure can be shown as;
    # a measure it lacks leaves it as it is, with a note beside it
    measures: tuple[tuple[str, str], ...] = ()
    # its table's "Hele kommunen" rows: "sum" (counts summed over the districts), "rate" (the summed counts over the
    # summed population) or None (shares, and tables that have a municipality row of their own)
    total: str | None = None

    # --- "Vis som" ------------------------------------------------------------------------------------------

    def measure_column(self, measure: str) -> str | None:
        """The value column of ``measure`` ("count", "per1000", "share"), or None when the figure lacks it."""
        return dict(self.measures).get(measure)

    def as_measure(self, measure: str) -> Figure:
        """The figure drawn as ``measure`` (its chart's value column switched), or itself when it lacks it."""
        column = self.measure_column(measure)
        return self if column is None or column == self.value else replace(self, value=column)

    # --- the "Hele kommunen" rows -----------------------------------------------------------------------------

    def total_rows(self, table: pd.DataFrame, *, label: str) -> pd.DataFrame:
        """One row per period (and category) over all the table's districts, ``district`` = ``label``: counts
        summed; a rate as the summed count over the summed population (the unknown district's count included, its
        missing population not; missing when a named district's population is). Empty when the figure has no total
        or the table has a hidden count ("<3", public views)."""
        count = self.intervals.count if self.intervals is not None else None
        if self.total is None or count is None or table.empty or "district" not in table or count not in table:
            return table.iloc[0:0]
        if table[count].map(lambda v: isinstance(v, str)).any():
            return table.iloc[0:0]
        keys = [c for c in ("period", "category") if c in table]
        frame = table.assign(**{count: pd.to_numeric(table[count], errors="coerce")})
        grouped = frame.groupby(keys, sort=False)
        result = grouped[count].sum(min_count=1).reset_index()
        if self.total == "rate" and "population" in frame:
            named = frame[frame["district"] != ""]
            population = named.groupby(keys, sort=False)["population"].agg(
                lambda s: s.sum() if s.notna().all() and len(s) else float("nan"))
            result = result.merge(population.reset_index(), on=keys, how="left")
            result["reports_per_1000"] = result[count] / result["population"].where(result["population"] > 0) * 1000
        result["district"] = label
        return result.reindex(columns=list(table.columns))

    # --- the table ------------------------------------------------------------------------------------------

    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        """The whole staff table (all districts). ``base`` is the whole table of ``built_on``, if any."""
        raise NotImplementedError(self.slug)

    def district_rows(self, table: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
        """The rows of the chosen districts (the district filter): a cut of the whole table, never a table of its
        own, so in public it shows only cells the protected whole table shows."""
        return table[table["district"].isin(districts)] if "district" in table else table

    def public_rows(self, table: pd.DataFrame, *, municipality: Municipality) -> pd.DataFrame:
        """The suppressed public table in the order it is published (the rows' order may give nothing away)."""
        return table

    def trends(self, table: pd.DataFrame) -> list[tuple[str | None, Trend]]:
        return figure_trends(table, series_of=self.trend)

    # --- the web chart (Plotly data) ------------------------------------------------------------------------

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        """The chart's traces from the table (its value column numeric: "<3" is a gap)."""
        raise NotImplementedError(self.slug)

    def chart_layout(self, layout: dict, data: list[dict], axis_title: str) -> dict:
        """The layout, changed where the figure's chart is drawn otherwise (stacked, horizontal)."""
        return layout

    def web_chart(self, table: pd.DataFrame, *, districts: list[tuple[str, str]],
                  category_names: dict[str, str] | None = None, late_charges: bool = False,
                  for_print: bool = False) -> Chart:
        """The chart from the figure's table. ``districts`` is [(name, colour)] in order."""
        numeric = table.copy()
        value = self.value
        if value in numeric:
            numeric[value] = pd.to_numeric(numeric[value], errors="coerce")  # "<3" in public views → gap
        periods = list(dict.fromkeys(numeric["period"])) if "period" in numeric else []
        drawing = Drawing(district_colours(districts), category_names or {}, periods)
        note = str(LATE_CHARGES_NOTE) if self.personal and late_charges else ""
        data = self.traces(numeric, drawing)
        title = (_("Figur %(number)s. %(title)s") % {"number": self.number, "title": self.title} if self.number
                 else str(self.title))
        if not drawing.several_periods and periods:
            title += f" ({periods[0]})"
        elif self.titled_by_last_period and periods:
            title += f" ({periods[-1]})"
        axis_title = str(AXIS.get(value) or COLUMN_LABELS.get(value) or value)
        layout = figure_layout(title=title, y_title=axis_title, note=note, for_print=for_print)
        return {"data": data, "layout": self.chart_layout(layout, data, axis_title)}

    # --- the PDF (half-year report) -------------------------------------------------------------------------

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        """The report's chart as SVG text, from the table with its value columns numeric."""
        raise ValueError(f"No PDF chart for {self.slug}")

    def pdf_chart(self, table: pd.DataFrame, *, districts: list[tuple[str, str]], category_names: dict[str, str],
                  municipality_name: str = "") -> str:
        frame = table.copy()
        for column in ("reports", "reports_per_1000", "share_pct", "charges", "persons"):
            if column in frame:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
        periods = list(dict.fromkeys(frame["period"])) if "period" in frame else []
        return self.svg(frame, Drawing(district_colours(districts), category_names, periods, municipality_name))

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        """What the report's chart shows, in words (``frame``'s value column numeric)."""
        return str(self.slug)

    def pdf_alt(self, table: pd.DataFrame, *, category_names: dict[str, str], municipality_name: str = "") -> str:
        """The PDF chart's alternative text, for a reader who cannot see it."""
        frame = table.copy()
        frame[self.value] = pd.to_numeric(frame[self.value], errors="coerce")
        periods = list(dict.fromkeys(frame["period"])) if "period" in frame else []
        span = (Period.parse(periods[0]).label if len(periods) == 1 else
                f"{Period.parse(periods[0]).label} til {Period.parse(periods[-1]).label}") if periods else ""
        districts = [d for d in dict.fromkeys(frame.get("district", pd.Series(dtype=str))) if d]
        return self.alt_text(frame, span=span, districts=districts, names=category_names,
                             municipality_name=municipality_name)

    def report_caption(self, table: pd.DataFrame, *, municipality_name: str) -> str:
        """The caption under the report's chart (the table is the report's, all its periods)."""
        return str(self.caption)

    def appendix_series(self, frame: pd.DataFrame, names: dict[str, str]) -> tuple[pd.DataFrame, list[str],
                                                                                    list[tuple[str, str | None]],
                                                                                    list[str]] | None:
        """A series' appendix table with periods as columns: (frame, key columns, [(measure column, label)],
        headers), or None for the figure's plain table."""
        return None


@dataclass(frozen=True)
class ExtraTable:
    """A table computed by an app above ``reports`` (the comparison with other municipalities) that the
    figure downloads and ``export_figure`` serve too: the app registers it (``extra_table_register``) when
    it is ready, so ``reports`` never imports it."""

    slug: str
    compute: Callable[..., pd.DataFrame]  # (municipality=, period=, to=, categories=, peers=) → table
    errors: tuple[type[Exception], ...] = ()  # its errors with a message for the user
    intervals: IntervalSpec | None = None


def offence_counts(inputs: FigureInputs, *, value: str = "reports") -> pd.DataFrame:
    """month, district_id, code, reports: the municipality's offences in the periods (the report figures' rows)."""
    counts = selectors.offence_counts(municipality=inputs.municipality, start=inputs.periods[0].start,
                                      end=inputs.periods[-1].end, date_basis=inputs.date_basis)
    return counts if not counts.empty else pd.DataFrame(columns=["month", "district_id", "code", value])


def charge_counts(inputs: FigureInputs) -> pd.DataFrame:
    """month, district_id, code, charges: the charges of the municipality's offences in the periods."""
    counts = selectors.charge_counts(municipality=inputs.municipality, start=inputs.periods[0].start,
                                     end=inputs.periods[-1].end, date_basis=inputs.date_basis)
    return counts if not counts.empty else pd.DataFrame(columns=["month", "district_id", "code", "charges"])


def charged_persons(inputs: FigureInputs, *, of: str) -> pd.DataFrame:
    """Persons charged in the periods, each once per period (``selectors.first_charge_persons``)."""
    return selectors.first_charge_persons(of=of, municipality=inputs.municipality, periods=inputs.periods,
                                          date_basis=inputs.date_basis,
                                          codes=set().union(*inputs.category_codes.values()))


@dataclass(frozen=True)
class ShareFigure(Figure):
    """A figure of each district's share per category (100 % in all): stacked bars of the last period on the web,
    stacks in the PDF. ``share_of`` names what is shared, for the alt text."""

    share_of: str = ""

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        return share_bars(drawing.last(numeric), value=self.value, colours=drawing.colours, names=drawing.names)

    def chart_layout(self, layout: dict, data: list[dict], axis_title: str) -> dict:
        return {**layout, "barmode": "stack"}  # 100 % per category

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return share_stacks_svg(frame, colours=drawing.colours, names=drawing.names)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        return category_alt(frame, value=self.value, what=self.share_of, span=span, districts=districts, names=names)
