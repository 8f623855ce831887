"""figure_table: one figure's data for a municipality, periods, categories and districts.

The page, the chart, the CSV/XLSX/JSON download, ``export_figure`` and the PDF all call
this, so they can never disagree.
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings

from districts.models import Municipality

from . import selectors, stats, uncertainty
from .figures import FIGURES
from .memo import memoised
from .models import OffenceCategory, ReportCategory
from .periods import Period, PeriodError, period_range
from .suppression import suppress
from .versioning import versioned_cache

# Figures computed from another figure's whole table: fig. 4 adds rates to fig. 2, fig. 5 shares fig. 4's
# rates, fig. 7 shares fig. 6's charges.
BUILT_ON = {"offence-mix": "reports-by-period", "reports-share": "offence-mix", "charges-share": "charges-by-category"}


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


def intervals_after_suppression(table: pd.DataFrame, *, slug: str) -> pd.DataFrame:
    """The hook between suppression and intervals: the interval columns are computed from the table *after*
    suppression (``suppress`` has already run on a public table), so every cell the suppression hides – the
    "<3" cells and the ".." cells hidden with them – hides its interval and the p-values of its changes too,
    whatever the suppression method; an interval of a published count reveals nothing the count does not."""
    return uncertainty.with_intervals(table, slug=slug)


def _figure_table(
    *, slug: str, municipality: Municipality, period: str, to: str | None,
    categories: list[str] | None, districts: list[str] | None, date_basis: str, public: bool,
) -> pd.DataFrame:
    if slug == "municipality-comparison":
        try:
            from comparisons.services import comparison_table
        except ImportError as exc:
            raise FigureError("Sammenligningen med andre kommuner er ikke tilgængelig endnu.") from exc
        return comparison_table(municipality=municipality, period=period, to=to, categories=categories)
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
    if districts or public:
        # A view of the whole staff table (cached: the default dashboard and the warming job fill it), so choosing
        # districts or the public view computes nothing again: the chosen districts' rows, then suppression.
        table = figure_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                             date_basis=date_basis)
        if districts and "district" in table:
            table = table[table["district"].isin(districts)]
        if public:  # figure_table keeps it only for personal figures
            table = suppress(table.reset_index(drop=True), slug=slug, min_count=settings.SUPPRESSION_MIN_COUNT)
        return table.reset_index(drop=True)
    start, end = periods[0].start, periods[-1].end
    args = {"periods": periods, "categories": category_codes, "districts": all_districts}
    if slug in BUILT_ON:  # from the whole table of the figure it builds on (cached: the page shows both)
        base = figure_table(slug=BUILT_ON[slug], municipality=municipality, period=period, to=to,
                            categories=categories, date_basis=date_basis)
        if slug == "offence-mix":
            table = stats.offence_mix(base, selectors.district_population(municipality=municipality),
                                      periods=periods, districts=all_districts)
        else:
            table = getattr(stats, slug.replace("-", "_"))(base, categories=list(category_codes))
    elif slug == "charges-by-category":
        counts = selectors.charge_counts(municipality=municipality, start=start, end=end, date_basis=date_basis)
        counts = counts if not counts.empty else pd.DataFrame(columns=["month", "district_id", "code", "charges"])
        table = stats.charges_by_category(counts, **args)
    elif slug in ("charged-persons-residence", "young-charged-share"):
        persons = selectors.first_charge_persons(
            of="offence" if slug == "charged-persons-residence" else "home", municipality=municipality,
            periods=periods, date_basis=date_basis, codes=set().union(*category_codes.values()),
        )
        if slug == "charged-persons-residence":
            table = stats.charged_persons_residence(
                persons, periods=periods, municipality_id=municipality.pk,
                municipalities=selectors.municipality_names(), districts=all_districts,
            )
        else:
            table = stats.young_charged_share(persons, selectors.age_population(municipality=municipality),
                                              periods=periods, age_groups=settings.YOUNG_AGE_GROUPS,
                                              districts=all_districts)
    else:
        counts = selectors.offence_counts(municipality=municipality, start=start, end=end, date_basis=date_basis)
        counts = counts if not counts.empty else pd.DataFrame(columns=["month", "district_id", "code", "reports"])
        if slug == "reports-by-period":
            table = stats.reports_by_period(counts, **args)
        else:
            population = selectors.district_population(municipality=municipality)
            table = stats.reports_per_1000(counts, population, **args)
    return table.reset_index(drop=True)
