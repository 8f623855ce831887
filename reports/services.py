"""figure_table: one figure's data for a municipality, periods, categories and districts.

The page, the chart, the CSV/XLSX/JSON download, ``export_figure`` and the PDF all call
this, so they can never disagree. It checks the filters, caches, and applies what every figure
shares (the public view's fixed tables and suppression, the district cut, the interval columns);
the figure's own computation is its ``Figure.compute`` (``reports.figures``).
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from districts.models import Municipality

from . import selectors, stats
from .figures import EXTRA_TABLES, FIGURES, FigureInputs, with_intervals
from .memo import memoised
from .models import OffenceCategory, ReportCategory
from .periods import Period, PeriodError, period_range
from .suppression import suppress
from .versioning import versioned_cache


class FigureError(ValueError):
    """Bad figure parameters; the message is Danish and meant for the user."""


def default_categories(municipality: Municipality) -> list[str]:
    slugs = list(
        ReportCategory.objects.filter(municipality=municipality).order_by("order").values_list("category__slug", flat=True)
    )
    return slugs or list(OffenceCategory.objects.values_list("slug", flat=True))


def figure_periods(period: str, to: str | None) -> list[Period]:
    try:
        return period_range(period, to)
    except PeriodError as exc:
        raise FigureError(str(exc)) from exc


@memoised  # a page reads fig. 3's table three times, and figures built on others read theirs
def figure_table(
    *, slug: str, municipality: Municipality, period: str, to: str | None = None,
    categories: list[str] | None = None, districts: list[str] | None = None, date_basis: str = "report",
    public: bool = False, intervals: bool = False,
) -> pd.DataFrame:
    """The table of one figure (what the CSV download returns and the chart draws).

    Cached under the data version: any import, rollback, rule change or edit makes a new key,
    so a cached table is never older than the data. ``intervals`` adds the uncertainty columns
    (``reports.uncertainty.with_intervals``) to the finished table.
    """
    public = public and slug in FIGURES and FIGURES[slug].personal  # only personal figures differ in public
    table = versioned_cache(
        "figure-table",
        (slug, municipality.pk, period, to, categories, districts, date_basis, public, settings.SUPPRESSION_MIN_COUNT),
        lambda: _figure_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                              districts=districts, date_basis=date_basis, public=public),
    )
    if intervals:
        return intervals_after_suppression(table, slug=slug)
    return table.copy()


def public_filters_check(*, municipality: Municipality, period: str, to: str | None, categories: list[str] | None,
                         date_basis: str) -> None:
    """The public view's fixed tables (domain.md, "Small counts"): whole years, report date, the report categories.

    Their small counts are protected together (``reports.suppression``); quarters, half-years, another date basis or
    other categories would be further tables from the same charges, and their differences could give a hidden
    count away. Raises FigureError with a Danish message for anything else.
    """
    if any(p.kind != "Y" for p in figure_periods(period, to)):
        raise FigureError(_(
            "Den offentlige visning viser tal om sigtelser og sigtede for hele år (fx 2024 eller 2016–2025), så små "
            "tal ikke kan regnes ud som forskellen mellem et år og dets kvartaler eller halvår. Log ind for at se "
            "halvår og kvartaler."))
    if date_basis != "report":
        raise FigureError(_(
            "Den offentlige visning henfører tal om sigtelser efter anmeldelsesdato. Log ind for at bruge "
            "gerningsdato."))
    if categories and set(categories) != set(default_categories(municipality)):
        raise FigureError(_(
            "Den offentlige visning viser tal om sigtelser og sigtede for kommunens faste gerningstyper (alle "
            "sammen), så små tal ikke kan regnes ud ved at sammenligne udvalg. Log ind for at vælge gerningstyper."))


def public_table(*, slug: str, municipality: Municipality, period: str, to: str | None,
                 categories: list[str] | None, districts: list[str] | None, date_basis: str) -> pd.DataFrame:
    """A personal figure as the public sees it: cut from the protected whole table (all districts), so choosing
    districts shows the same cells as the whole table, never cells of a smaller table planned on its own."""
    public_filters_check(municipality=municipality, period=period, to=to, categories=categories,
                         date_basis=date_basis)
    figure = FIGURES[slug]
    table = figure_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                         date_basis="report")
    table = suppress(with_unknown_district(table, slug=slug), protection=figure.protection,
                     min_count=settings.SUPPRESSION_MIN_COUNT)
    table = figure.public_rows(table, municipality=municipality)
    if districts:
        table = figure.district_rows(table, districts)
    return table.reset_index(drop=True)


def with_unknown_district(table: pd.DataFrame, *, slug: str) -> pd.DataFrame:
    """The charge tables with a row for the unknown district in every group, 0 where it has none.

    A staff table has that row only when the chosen periods have such charges; in public a year's cells must look
    the same whichever years are asked for, and a "<N" zero of a small group must not show as absent elsewhere.
    """
    if not FIGURES[slug].unknown_district_rows or table.empty or (table["district"] == stats.UNKNOWN).any():
        return table
    keys = [c for c in table.columns if c in ("period", "district", "category")]
    levels = [list(dict.fromkeys(table[c])) + ([stats.UNKNOWN] if c == "district" else []) for c in keys]
    full = table.set_index(keys).reindex(pd.MultiIndex.from_product(levels, names=keys)).reset_index()
    full["charges"] = full["charges"].fillna(0).astype(int)
    if "share_pct" in full:  # 0 % of a group with charges, none of a group without (as the other rows)
        total = full.groupby(["period", "category"])["charges"].transform("sum")
        full["share_pct"] = full["share_pct"].where(full["district"] != stats.UNKNOWN, (total > 0).map({True: 0.0}))
    return full[table.columns]


def intervals_after_suppression(table: pd.DataFrame, *, slug: str) -> pd.DataFrame:
    """The hook between suppression and intervals: the interval columns are computed from the table *after*
    suppression (``suppress`` has already run on a public table), so every cell the suppression hides – the
    "<3" cells and the ".." cells hidden with them – hides its interval and the p-values of its changes too,
    whatever the suppression method; an interval of a published count reveals nothing the count does not."""
    return with_intervals(table, slug=slug)


def _figure_table(
    *, slug: str, municipality: Municipality, period: str, to: str | None,
    categories: list[str] | None, districts: list[str] | None, date_basis: str, public: bool,
) -> pd.DataFrame:
    if slug in EXTRA_TABLES:  # a table of another app (the comparison), registered when that app is ready
        return EXTRA_TABLES[slug].compute(municipality=municipality, period=period, to=to, categories=categories)
    if slug not in FIGURES:
        raise FigureError(f"Ukendt figur '{slug}'. Vælg en af: {', '.join(FIGURES)}.")
    if date_basis not in selectors.DATE_FIELD:
        raise FigureError("Datogrundlaget skal være 'report' (anmeldelsesdato) eller 'offence' (gerningsdato).")
    periods = figure_periods(period, to)
    slugs = categories or default_categories(municipality)
    known = selectors.category_names()
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise FigureError(f"Ukendt gerningstype: {', '.join(unknown)}.")
    category_codes = selectors.category_codes(slugs=slugs)
    all_districts = [(d.pk, d.name) for d in selectors.districts_of(municipality=municipality)]
    if districts:
        missing = sorted(set(districts) - {name for _pk, name in all_districts} - {stats.UNKNOWN})
        if missing:
            raise FigureError(f"Ukendt bydel i {municipality.name}: {', '.join(missing)}.")
    if public:
        return public_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                            districts=districts, date_basis=date_basis)
    if districts:
        # A view of the whole staff table (cached: the default dashboard and the warming job fill it), so choosing
        # districts computes nothing again: the chosen districts' rows.
        table = figure_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                             date_basis=date_basis)
        return FIGURES[slug].district_rows(table, districts).reset_index(drop=True)
    figure = FIGURES[slug]
    base = None
    if figure.built_on:  # from the whole table of the figure it builds on (cached: the page shows both)
        base = figure_table(slug=figure.built_on, municipality=municipality, period=period, to=to,
                            categories=categories, date_basis=date_basis)
    inputs = FigureInputs(municipality=municipality, period=period, to=to, periods=periods, categories=categories,
                          category_codes=category_codes, districts=all_districts, date_basis=date_basis)
    return figure.compute(inputs, base).reset_index(drop=True)
