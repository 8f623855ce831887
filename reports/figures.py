"""The figures of the half-year report: slugs, titles and columns (interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SOURCE_LINE = _("Kilde: politiets anmeldelsesstatistik og Danmarks Statistik, egne beregninger.")
LATE_CHARGES_NOTE = _(
    "Bemærk: sigtelser registreres ofte længe efter anmeldelsen, så de seneste 12 måneder er "
    "undervurderet."
)


@dataclass(frozen=True)
class FigureSpec:
    slug: str
    number: int | None  # figure number in the DKE half-year report
    title: str | Promise
    caption: str | Promise
    columns: tuple[str, ...]
    personal: bool = False  # counts of charges/persons: suppressed in public views
    persons: bool = False  # persons counted once per period, from the row-level charge facts: the slow queries
    value: str = "reports"  # the main value column
    chart: str = "bar"


FIGURES: dict[str, FigureSpec] = {
    spec.slug: spec
    for spec in [
        FigureSpec(
            "reports-by-period", 2, _("Anmeldelser pr. bydel"),
            _("Antal anmeldelser pr. år fordelt på gerningstyper og bydele."),
            ("period", "district", "category", "reports"),
        ),
        FigureSpec(
            "reports-per-1000", 3, _("Anmeldelser pr. 1.000 indbyggere"),
            _("Anmeldelser pr. 1.000 indbyggere i bydelene (befolkning midt i perioden), "
              "de valgte gerningstyper tilsammen."),
            ("period", "district", "reports", "population", "reports_per_1000"), value="reports_per_1000",
        ),
        FigureSpec(
            "offence-mix", 4, _("Gerningstyper pr. bydel"),
            _("Anmeldelser fordelt på gerningstyper i bydelene, antal og pr. 1.000 indbyggere."),
            ("period", "district", "category", "reports", "population", "reports_per_1000"),
            value="reports_per_1000",
        ),
        FigureSpec(
            "reports-share", 5, _("Fordeling mellem bydele, korrigeret for indbyggertal"),
            _("Hver bydels andel af anmeldelserne pr. 1.000 indbyggere, pr. gerningstype (100 % i alt)."),
            ("period", "category", "district", "reports_per_1000", "share_pct"), value="share_pct",
        ),
        FigureSpec(
            "charges-by-category", 6, _("Sigtelser pr. bydel"),
            _("Antal sigtelser for anmeldelser i kommunen, efter gerningssted og gerningstype."),
            ("period", "district", "category", "charges"), personal=True, value="charges",
        ),
        FigureSpec(
            "charges-share", 7, _("Fordeling af sigtelser mellem bydele"),
            _("Hver bydels andel af sigtelserne pr. gerningstype (100 % i alt)."),
            ("period", "category", "district", "charges", "share_pct"), personal=True, value="share_pct",
        ),
        FigureSpec(
            "charged-persons-residence", 8, _("Hvor bor de sigtede?"),
            _("Sigtede personer for kriminalitet i kommunen efter bopælskommune og -bydel "
              "(hver person tælles én gang pr. periode)."),
            ("period", "home_municipality_code", "home_municipality", "home_district", "persons"),
            personal=True, value="persons", persons=True,
        ),
        FigureSpec(
            "young-charged-share", None, _("Unge sigtede"),
            _("Andel af kommunens unge i hver aldersgruppe, der er sigtet for de valgte gerningstyper i perioden, "
              "efter bopælsbydel (hver person tælles én gang). Alderen er den, personen fylder i gerningsåret; "
              "indbyggere i aldersgruppen midt i perioden."),
            ("period", "age_group", "home_district", "persons", "population", "persons_per_1000", "share_pct"),
            personal=True, value="share_pct", persons=True,
        ),
    ]
}
