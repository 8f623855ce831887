"""What the dashboard and figure pages show: figure tables, charts and key figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import Municipality

from . import selectors
from .charts import UNKNOWN_LABEL, plotly_data, polygon_map
from .coverage import Status, municipality_coverage, period_statuses, without_uncovered
from .figures import FIGURES, Figure
from .memo import memo, prefetch
from .periods import Period
from .services import default_categories, figure_periods, figure_table
from .stats import UNKNOWN, key_figures
from .tables import table_body, table_display
from .uncertainty import change_words, p_text, significant, trend_words
from .versioning import is_cached, versioned_cache

MEASURE_NAMES = {"count": gettext_lazy("antal"), "per1000": gettext_lazy("pr. 1.000 indbyggere"),
                 "share": gettext_lazy("andel")}


@dataclass
class Filters:
    period_from: str
    period_to: str
    categories: list[str]
    districts: list[str] = field(default_factory=list)
    date_basis: str = "report"
    measure: str = ""  # "Vis som": "count", "per1000" or "share"; "" each figure as it is drawn by default
    intervals: bool = False  # "Vis usikkerhed": interval columns in tables and downloads, error bars on charts
    partial: bool = False  # partly covered periods count in the trends (left out by default)

    def query(self) -> dict:
        return {"period_from": self.period_from, "period_to": self.period_to, "categories": self.categories,
                "districts": self.districts, "date_basis": self.date_basis, "measure": self.measure,
                "intervals": self.intervals, "partial": self.partial}


@dataclass
class FigureBlock:
    spec: Figure
    table: pd.DataFrame
    chart: dict
    headers: list[tuple[str, str]]
    rows: list[list[tuple[str, str, str]]]
    body: SafeString  # the rows as HTML
    trends: list[dict] = field(default_factory=list)  # [{"name", "words", "p"}]: the trend over the periods
    totals: SafeString = SafeString("")  # the "Hele kommunen" rows as HTML (a table footer)
    no_data: list[str] = field(default_factory=list)  # "Ingen data for 2026 endnu", one per period without data
    partial: list[str] = field(default_factory=list)  # "2026 til og med 31-10", one per partly covered period
    partial_in_trends: bool = False  # the partly covered periods are in the trends (the reader chose so)
    measure_note: str = ""  # "Figuren findes ikke som …; den vises som …" when "Vis som" asks what it lacks


def default_filters(municipality: Municipality) -> Filters:
    """The last complete year and the ten years before it, the municipality's report categories."""
    _first, last = selectors.data_span(municipality=municipality)
    if last is None:
        last_year = timezone.localdate().year - 1
    else:  # a year is complete when the data reach its December
        last_year = last.year if last.month == 12 else last.year - 1
    return Filters(period_from=str(last_year - 10), period_to=str(last_year),
                   categories=default_categories(municipality))


def late_charges(municipality: Municipality, filters: Filters) -> bool:
    """True when the figure covers any of the newest 12 months of data (charges arrive late)."""
    _first, last = selectors.data_span(municipality=municipality)
    if not last:
        return False
    return Period.parse(filters.period_to).end >= last - dt.timedelta(days=365)


def figure_block(*, slug: str, municipality: Municipality, filters: Filters, public: bool,
                 names: dict[str, str] | None = None, for_print: bool = False) -> FigureBlock:
    """A figure's table, chart and display rows; cached whole under the data version."""
    names = names if names is not None else selectors.category_names()
    return versioned_cache(
        "figure-block", _block_key(slug, municipality, filters, public, names, for_print),
        lambda: _figure_block(slug=slug, municipality=municipality, filters=filters, public=public, names=names,
                              for_print=for_print),
    )


def _block_key(slug: str, municipality: Municipality, filters: Filters, public: bool, names: dict[str, str],
               for_print: bool) -> tuple:
    return (slug, municipality.pk, filters, public, sorted(names.items()), for_print)


def _table_arguments(slug: str, municipality: Municipality, filters: Filters, public: bool) -> dict:
    """The arguments of ``figure_table`` for a figure's block."""
    return {"slug": slug, "municipality": municipality, "period": filters.period_from, "to": filters.period_to,
            "categories": filters.categories, "districts": filters.districts or None,
            "date_basis": filters.date_basis, "public": public, "intervals": filters.intervals}


def _figure_block(*, slug: str, municipality: Municipality, filters: Filters, public: bool,
                  names: dict[str, str], for_print: bool) -> FigureBlock:
    coverage = municipality_coverage(municipality)
    table = without_uncovered(figure_table(**_table_arguments(slug, municipality, filters, public)), coverage)
    statuses = period_statuses(coverage, list(figure_periods(filters.period_from, filters.period_to)))
    labels = {str(s.period): s.label for s in statuses if s.status is Status.PARTIAL}
    no_data = [coverage.no_data_text(s.period) for s in statuses if s.status is Status.NONE]
    districts = [(d.name, d.color) for d in selectors.districts_of(municipality=municipality)]
    spec = FIGURES[slug]
    figure = spec.as_measure(filters.measure)
    chart: dict = {}
    if len(no_data) < len(statuses):  # a chart of periods without any data would be empty axes: the note says it
        chart = with_period_labels(plotly_data(figure.web_chart(
            table, districts=districts, category_names=names, late_charges=late_charges(municipality, filters),
            for_print=for_print)), {**labels, **{str(s.period): _("%(period)s: ingen data") % {"period": s.period}
                                                 for s in statuses if s.status is Status.NONE}})
    shown_periods = {**labels, **{str(s.period): coverage.no_data_text(s.period) for s in statuses
                                  if s.status is Status.NONE}}
    headers, rows = table_display(table, names, period_labels=shown_periods)
    totals = figure.total_rows(table, label=total_label(filters)) if not (public and spec.personal) else None
    total_body = table_body(table_display(totals, names, period_labels=shown_periods)[1]) if totals is not None else ""
    trend_table = table[table["period"].map(lambda p: _in_trend(coverage.status(p), filters))] \
        if "period" in table else table
    return FigureBlock(spec, table, chart, headers, rows, table_body(rows),
                       trends=trend_lines(slug, trend_table, filters), totals=mark_safe(total_body),  # noqa: S308
                       no_data=no_data, partial=list(labels.values()), partial_in_trends=filters.partial,
                       measure_note=measure_note(spec, filters.measure))


def _in_trend(status: Status, filters: Filters) -> bool:
    """A period without data is never in a trend; a partly covered one only when the reader asks for it."""
    return status is Status.COMPLETE or (status is Status.PARTIAL and filters.partial)


def total_label(filters: Filters) -> str:
    """The total rows' name: the whole municipality, or the chosen districts together."""
    return _("Valgte bydele i alt") if filters.districts else _("Hele kommunen")


def measure_note(spec: Figure, measure: str) -> str:
    """What a figure says beside it when "Vis som" switched it ("Vises her som antal.") or asked for a measure it
    lacks ("Figuren findes ikke som andel; den vises som antal."); "" when it is drawn as by default."""
    column = spec.measure_column(measure) if measure else None
    if column is not None:
        return "" if column == spec.value else _("Vises her som %(shown)s.") % {"shown": MEASURE_NAMES[measure]}
    shown = next((str(MEASURE_NAMES[m]) for m, c in spec.measures if c == spec.value), None)
    if not measure or shown is None:
        return ""
    return _("Figuren findes ikke som %(asked)s; den vises som %(shown)s.") % {
        "asked": MEASURE_NAMES.get(measure, measure), "shown": shown}


def with_period_labels(chart: dict, labels: dict[str, str]) -> dict:
    """The chart with each partly covered period named as far as its data reach ("2026 til og med 31-10"): on the
    category axis and in the title."""
    if not labels:
        return chart
    for trace in chart.get("data", []):
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, list):
                trace[axis] = [labels.get(v, v) if isinstance(v, str) else v for v in values]
    title = chart.get("layout", {}).get("title")
    text = title.get("text") if isinstance(title, dict) else None
    if isinstance(text, str):
        for period, label in labels.items():
            text = text.replace(f"({period})", f"({label})")
        title["text"] = text
    return chart


def trend_lines(slug: str, table: pd.DataFrame, filters: Filters | None = None) -> list[dict]:
    """The words of each series' trend over the figure's periods ("faldet i gennemsnit 4 % om året (2–6 %)")."""
    alpha = settings.SIGNIFICANCE_LEVEL
    whole = total_label(filters) if filters is not None else _("Hele kommunen")
    return [{"name": str(UNKNOWN_LABEL) if name == UNKNOWN else (name or whole),
             "words": trend_words(trend, alpha=alpha), "p": p_text(trend.p_value),
             "significant": trend.p_value < alpha}
            for name, trend in FIGURES[slug].trends(table)]


def dashboard_blocks(*, municipality: Municipality, filters: Filters, public: bool) -> list[FigureBlock]:
    names = selectors.category_names()
    order = list(FIGURES)  # "Vis som" switches the figures; it no longer moves one to the top
    # The person figures' queries are the page's slowest: when their blocks must be computed, they start now on
    # connections of their own, and the database counts persons while this thread draws the other figures.
    for slug in order:
        if FIGURES[slug].persons and not is_cached("figure-block", _block_key(slug, municipality, filters, public,
                                                                              names, False)):
            prefetch(figure_table, **_table_arguments(slug, municipality, filters, public))
    return [figure_block(slug=s, municipality=municipality, filters=filters, public=public, names=names) for s in order]


def dashboard_body(*, municipality: Municipality, filters: Filters, public: bool, query: str) -> SafeString:
    """The key figures, the map and every figure's section: the bulk of the dashboard, rendered once per data
    version, language and filters (it depends on no user), so a cached page reads one string."""
    def render() -> str:
        blocks = dashboard_blocks(municipality=municipality, filters=filters, public=public)  # first: it prefetches
        key = key_figure_rows(municipality=municipality, filters=filters)
        return render_to_string("reports/_dashboard_body.html", {
            "municipality": municipality, "filters": filters, "public": public, "query": query, "blocks": blocks,
            "now_label": key.now_label, "before_label": key.before_label, "key_note": key.note,
            "key_rows": key_cards(key.rows, compared=key.compared),
            "district_map": district_map(municipality=municipality, filters=filters),
        })

    html = versioned_cache("dashboard-body", (municipality.pk, filters, public, query), render)
    return mark_safe(html)  # noqa: S308 - rendered by the template above, which escapes


def default_dashboard_body(municipality: Municipality, *, public: bool) -> SafeString:
    """The body of the dashboard as a visit without filters sees it (the warming job fills the caches with it)."""
    with memo():  # as the view: each selector result and the data version read once
        return dashboard_body(municipality=municipality, filters=default_filters(municipality), public=public,
                              query="")


@dataclass
class KeyFigures:
    """The strip at the top: this period against the same period the year before, per district, with a total."""

    now_label: str  # "2026 til og med 31-10" when the period is only partly covered
    before_label: str
    rows: list[dict]
    note: str = ""  # "Ingen data for 2026 endnu", or why the change is not given
    compared: bool = True  # both periods are wholly covered: the change is worth stating


def key_figure_rows(*, municipality: Municipality, filters: Filters) -> KeyFigures:
    """This period vs the same period last year, per chosen district (all when none is chosen), and their total
    ("Hele kommunen", or "Valgte bydele i alt") first. A period without data gives no numbers but its note, never
    0; a change is stated only when both periods are wholly covered."""
    coverage = municipality_coverage(municipality)
    now = Period.parse(filters.period_to)
    before = now.same_last_year()
    now_label = coverage.period_label(now, name=period_label(now))
    before_label = coverage.period_label(before, name=period_label(before))
    if coverage.status(now) is Status.NONE:
        return KeyFigures(now_label, before_label, [], coverage.no_data_text(now), compared=False)
    label = total_label(filters)
    total = FIGURES["reports-per-1000"]
    frames = []
    for period, frame in zip((now, before), period_rates(municipality=municipality, filters=filters,
                                                         periods=[now, before]), strict=True):
        if filters.districts:
            frame = frame[frame["district"].isin(filters.districts)]
        if coverage.status(period) is Status.NONE:  # the year before has no data: missing, never 0
            frame = without_uncovered(frame, coverage)
        frames.append(pd.concat([total.total_rows(frame, label=label), frame], ignore_index=True))
    rows = key_figures(*frames).astype(object).to_dict("records")
    for row in rows:
        row["total"] = row["district"] == label
    compared = coverage.status(now) is Status.COMPLETE and coverage.status(before) is Status.COMPLETE
    note = ""
    if coverage.status(before) is Status.NONE:
        note = coverage.no_data_text(before)
    elif not compared:
        note = _("Perioden er kun delvist dækket af data, så ændringen fra året før er ikke beregnet.")
    return KeyFigures(now_label, before_label, rows, note, compared)


def key_cards(rows: list[dict], *, compared: bool = True) -> list[dict]:
    """The key-figure rows with the words of their change, which follow the test (domain.md): "faldet 24 %" only
    when significant, else "på niveau med året før (−33 %, ikke statistisk sikker)"; the rate's change where
    both populations are known, else the count's. No words when the periods are not both wholly covered."""
    alpha = settings.SIGNIFICANCE_LEVEL
    cards = []
    for row in rows:
        rate_change = row.get("rate_change_pct")
        known = rate_change is not None and rate_change == rate_change
        p_value = row.get("change_p_value") if compared else None
        before = row.get("reports_before")
        words = "" if not compared or before is None or before != before else change_words(
            before=before, now=row["reports"], change_pct=rate_change if known else row.get("change_pct"),
            p_value=p_value, alpha=alpha, reference=_("året før"))
        cards.append({**row, "words": words, "p": p_text(p_value), "significant": significant(p_value, alpha)})
    return cards


# Period names in the page's language (``Period.label`` is the Danish one, which the half-year report keeps).
PERIOD_LABELS = {"H": gettext_lazy("%(number)s. halvår %(year)s"), "K": gettext_lazy("%(number)s. kvt. %(year)s")}


def period_label(period: Period) -> str:
    if period.kind not in PERIOD_LABELS:
        return period.label
    return str(PERIOD_LABELS[period.kind]) % {"number": period.number, "year": period.year}


def period_rates(*, municipality: Municipality, filters: Filters, periods: list[Period]) -> list[pd.DataFrame]:
    """Fig. 3's table of each of these periods (up to the last chosen one), all districts.

    They are cut from one table: the dashboard's own, already computed, when it reaches back far enough,
    else one from the earliest of them. A period's rows are then as the table of that period alone has
    them: the unknown district has a row only where it has reports.
    """
    earliest = min(periods, key=lambda p: p.start)
    shown = {str(p) for p in figure_periods(filters.period_from, filters.period_to)}
    table = figure_table(slug="reports-per-1000", municipality=municipality,
                         period=filters.period_from if str(earliest) in shown else str(earliest),
                         to=filters.period_to, categories=filters.categories, date_basis=filters.date_basis)
    rows = [table[table["period"] == str(p)] for p in periods]
    return [r[(r["district"] != UNKNOWN) | (r["reports"] > 0)].reset_index(drop=True) for r in rows]


def district_map(*, municipality: Municipality, filters: Filters) -> dict | None:
    """Reports per 1,000 in the last chosen period on the chosen districts' boundaries (all when none is chosen; no
    tiles needed; not personal, so the same in public), its table with the total. A period without data has no map,
    only its note (never a colour scale of zeros)."""
    coverage = municipality_coverage(municipality)
    districts = [d for d in selectors.districts_of(municipality=municipality) if d.boundary
                 and (not filters.districts or d.name in filters.districts)]
    if not districts:
        return None
    period = Period.parse(filters.period_to)
    label = coverage.period_label(period)
    if coverage.status(period) is Status.NONE:
        return {"chart": None, "rows": [], "total": None, "label": label, "no_data": coverage.no_data_text(period)}
    [table] = period_rates(municipality=municipality, filters=filters, periods=[period])
    if filters.districts:
        table = table[table["district"].isin(filters.districts)]
    rates = dict(zip(table["district"], table["reports_per_1000"], strict=True))
    fig = polygon_map(features=[(d.name, d.boundary, rates.get(d.name)) for d in districts],
                      title=_("Kort: anmeldelser pr. 1.000 indbyggere (%(period)s)") % {"period": label}, height=420)
    totals = FIGURES["reports-per-1000"].total_rows(table, label=total_label(filters))
    total = (totals["district"].iloc[0], totals["reports_per_1000"].iloc[0]) if len(totals) else None
    return {"chart": plotly_data(fig), "rows": [(d.name, rates.get(d.name)) for d in districts], "total": total,
            "label": label, "no_data": ""}
