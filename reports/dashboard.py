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
from .figures import FIGURES, Figure
from .memo import memo, prefetch
from .periods import Period
from .services import default_categories, figure_periods, figure_table
from .stats import UNKNOWN, key_figures
from .tables import table_body, table_display
from .uncertainty import change_words, p_text, significant, trend_words
from .versioning import is_cached, versioned_cache

MEASURE_FIRST = {"count": "reports-by-period", "per1000": "reports-per-1000", "share": "reports-share"}


@dataclass
class Filters:
    period_from: str
    period_to: str
    categories: list[str]
    districts: list[str] = field(default_factory=list)
    date_basis: str = "report"
    measure: str = "count"
    intervals: bool = False  # "Vis usikkerhed": interval columns in tables and downloads, error bars on charts

    def query(self) -> dict:
        return {"period_from": self.period_from, "period_to": self.period_to, "categories": self.categories,
                "districts": self.districts, "date_basis": self.date_basis, "measure": self.measure,
                "intervals": self.intervals}


@dataclass
class FigureBlock:
    spec: Figure
    table: pd.DataFrame
    chart: dict
    headers: list[tuple[str, str]]
    rows: list[list[tuple[str, str, str]]]
    body: SafeString  # the rows as HTML
    trends: list[dict] = field(default_factory=list)  # [{"name", "words", "p"}]: the trend over the periods


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
    table = figure_table(**_table_arguments(slug, municipality, filters, public))
    districts = [(d.name, d.color) for d in selectors.districts_of(municipality=municipality)]
    fig = FIGURES[slug].web_chart(table, districts=districts, category_names=names,
                                  late_charges=late_charges(municipality, filters), for_print=for_print)
    headers, rows = table_display(table, names)
    return FigureBlock(FIGURES[slug], table, plotly_data(fig), headers, rows, table_body(rows),
                       trends=trend_lines(slug, table))


def trend_lines(slug: str, table: pd.DataFrame) -> list[dict]:
    """The words of each series' trend over the figure's periods ("faldet i gennemsnit 4 % om året (2–6 %)")."""
    alpha = settings.SIGNIFICANCE_LEVEL
    return [{"name": str(UNKNOWN_LABEL) if name == UNKNOWN else (name or _("Hele kommunen")),
             "words": trend_words(trend, alpha=alpha), "p": p_text(trend.p_value),
             "significant": trend.p_value < alpha}
            for name, trend in FIGURES[slug].trends(table)]


def dashboard_blocks(*, municipality: Municipality, filters: Filters, public: bool) -> list[FigureBlock]:
    names = selectors.category_names()
    first = MEASURE_FIRST.get(filters.measure, "reports-by-period")
    order = [first] + [s for s in FIGURES if s != first]
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
        now_label, before_label, key_rows = key_figure_rows(municipality=municipality, filters=filters)
        return render_to_string("reports/_dashboard_body.html", {
            "municipality": municipality, "filters": filters, "public": public, "query": query, "blocks": blocks,
            "now_label": now_label, "before_label": before_label, "key_rows": key_cards(key_rows),
            "district_map": district_map(municipality=municipality, filters=filters),
        })

    html = versioned_cache("dashboard-body", (municipality.pk, filters, public, query), render)
    return mark_safe(html)  # noqa: S308 - rendered by the template above, which escapes


def default_dashboard_body(municipality: Municipality, *, public: bool) -> SafeString:
    """The body of the dashboard as a visit without filters sees it (the warming job fills the caches with it)."""
    with memo():  # as the view: each selector result and the data version read once
        return dashboard_body(municipality=municipality, filters=default_filters(municipality), public=public,
                              query="")


def key_figure_rows(*, municipality: Municipality, filters: Filters) -> tuple[str, str, list[dict]]:
    """This period vs the same period last year, per district (the strip at the top)."""
    now = Period.parse(filters.period_to)
    before = now.same_last_year()
    strip = key_figures(*period_rates(municipality=municipality, filters=filters, periods=[now, before]))
    return period_label(now), period_label(before), strip.astype(object).to_dict("records")


def key_cards(rows: list[dict]) -> list[dict]:
    """The key-figure rows with the words of their change, which follow the test (domain.md): "faldet 24 %" only
    when significant, else "på niveau med året før (−33 %, ikke statistisk sikker)"; the rate's change where
    both populations are known, else the count's."""
    alpha = settings.SIGNIFICANCE_LEVEL
    cards = []
    for row in rows:
        rate_change = row.get("rate_change_pct")
        known = rate_change is not None and rate_change == rate_change
        p_value = row.get("change_p_value")
        before = row.get("reports_before")
        words = "" if before is None or before != before else change_words(
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
    """Reports per 1,000 in the last chosen period on the district boundaries (no tiles needed; not personal,
    so the same in public)."""
    districts = [d for d in selectors.districts_of(municipality=municipality) if d.boundary]
    if not districts:
        return None
    [table] = period_rates(municipality=municipality, filters=filters, periods=[Period.parse(filters.period_to)])
    rates = dict(zip(table["district"], table["reports_per_1000"], strict=True))
    fig = polygon_map(features=[(d.name, d.boundary, rates.get(d.name)) for d in districts],
                      title=_("Kort: anmeldelser pr. 1.000 indbyggere (%(period)s)") % {"period": filters.period_to}, height=420)
    return {"chart": plotly_data(fig), "rows": [(d.name, rates.get(d.name)) for d in districts]}
