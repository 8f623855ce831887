"""The help page's definitions of what the figures mean (each figure's "Om tallene" links here)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Definition:
    """What a figure (or a notion behind the figures) means; ``anchor`` is what "Om tallene" links to."""

    anchor: str
    title: str | Promise
    paragraphs: tuple[str | Promise, ...]


def figure_anchor(slug: str) -> str:
    return f"figur-{slug}"


BASICS: tuple[Definition, ...] = (
    Definition("periode", _("Perioder og datogrundlag"), (
        _("En periode er et kalenderår, et halvår (H1 = januar–juni, H2 = juli–december) eller et kvartal. "
          "En anmeldelse hører som standard til perioden for sin anmeldelsesdato, som i Danmarks Statistiks "
          "STRAF-tabeller; gerningsdatoen kan vælges i filtrene."),
        _("Sigtelser hører til deres anmeldelses periode, kommune og gerningsbydel, ikke til sigtelsesdatoen."),
    )),
    Definition("befolkning", _("Befolkningen midt i perioden"), (
        _("Tal pr. 1.000 indbyggere bruger befolkningen på periodens midtpunkt: 1. juli for et år, 1. april for H1, "
          "1. oktober for H2 og den 15. i kvartalets midterste måned."),
        _("Findes der ingen optælling på midtpunktet, interpoleres lineært mellem de nærmeste optællinger før og "
          "efter, når begge ligger inden for 12 måneder; ellers bruges den nærmeste optælling inden for 92 dage; "
          "ellers mangler befolkningen og tallet (vist som manglende, aldrig som 0)."),
    )),
    Definition("gerningstyper", _("Gerningstyper"), (
        _("En gerningstype er en navngiven samling af koder, fx tyveri, vold, indbrud og lov om euforiserende "
          "stoffer. Den defineres af koderegler (præfikser, der tages med, og længere præfikser, der undtages) for "
          "både politiets gerningskoder og DST's OVERTRÆD-koder. Gerningstyper kan overlappe; en figur over flere "
          "gerningstyper tæller hver anmeldelse én gang."),
    )),
)
FIGURE_DEFINITIONS: dict[str, tuple[str | Promise, ...]] = {
    "reports-by-period": (
        _("Antal anmeldte forhold pr. bydel pr. periode, pr. gerningstype. Anmeldelser uden kendt bydel tælles med "
          "i kommunens tal og vises som deres egen søjle."),
    ),
    "reports-per-1000": (
        _("Anmeldelser ÷ befolkningen midt i perioden × 1.000, for de valgte gerningstyper tilsammen (hver "
          "anmeldelse én gang). Eksempel fra DKE's rapport for 2016: Lund 70, Øster 64, Vester 29."),
    ),
    "offence-mix": (
        _("For én periode: anmeldelser pr. gerningstype pr. bydel, som antal og pr. 1.000 indbyggere."),
    ),
    "reports-share": (
        _("For hver gerningstype: bydelens tal pr. 1.000 indbyggere ÷ summen af alle bydeles tal pr. 1.000 × 100 %. "
          "Andelen er altså korrigeret for indbyggertal. Eksempel: indbrud Øster 41 %, Lund 32 %, Vester 27 %."),
    ),
    "charges-by-category": (
        _("Antal sigtelser for anmeldelser i kommunen, efter anmeldelsens gerningsbydel og gerningstype. Den nyeste "
          "periode er som regel undervurderet, fordi sigtelser kommer efter anmeldelsen; figuren siger det for de "
          "seneste 12 måneder."),
    ),
    "charges-share": (
        _("Hver bydels andel af sigtelserne pr. gerningstype (den rene andel, ikke korrigeret for indbyggertal)."),
    ),
    "charged-persons-residence": (
        _("Forskellige sigtede personer for kriminalitet i kommunen i perioden, efter bopælskommune og – for dem, der "
          "bor i kommunen – bopælsbydel. En person tælles én gang pr. periode med bopælen fra sin første sigtelse i "
          "perioden. Personer uden oplyst bopæl står i rækken 'Uoplyst'."),
    ),
    "young-charged-share": (
        _("Forskellige sigtede personer i aldersgruppen (standard 15–17 og 18–25 år), der bor i kommunen, ÷ "
          "indbyggere i samme alder midt i perioden × 100 %. Alderen er den, personen fylder i gerningsåret, og "
          "bopælen den fra personens første sigtelse i perioden."),
    ),
    "municipality-comparison": (
        _("Anmeldelser pr. 1.000 indbyggere fra Danmarks Statistik (STRAF11 eller STRAF22 over FOLK1A midt i "
          "perioden) for kommunen ved siden af politikredsen, en kommunegruppe eller valgte kommuner."),
    ),
}
COMPARISON_COLUMNS = ("period", "municipality_code", "municipality", "category", "reports", "population",
                      "reports_per_1000")
READING: tuple[Definition, ...] = (
    Definition("usikkerhed", _("Hvor sikkert er et tal?"), (
        _("Et antal behandles som en Poisson-observation; dets 95 %-interval er det eksakte (Garwood) interval. "
          "Eksempel: 29 anmeldelser giver 19,42–41,65. Et tal pr. 1.000 får antallets interval divideret med "
          "befolkningen."),
        _("En ændring mellem to perioder testes med en eksakt binomialtest (med befolkningen i begge perioder). "
          "Tekster siger kun 'steget' eller 'faldet', når ændringen er statistisk sikker (p < 0,05); ellers 'på niveau "
          "med' og '(ikke statistisk sikker)'. Antal under 10 får noten 'få tilfælde'."),
    )),
    Definition("smaa-tal", _("Små tal og offentlig visning"), (
        _("Sigtelser og sigtede personer er personoplysninger. Indloggede medarbejdere ser de præcise tal. I "
          "offentlig visning vises tal under 3 ikke, og tal, der ellers ville afsløre et lille tal, skjules også "
          "(vist som »..«)."),
    )),
    Definition("tal-i-filer", _("Tal på skærmen og i filer"), (
        _("Skærm og PDF bruger dansk talformat (1.814; 40,5); tal pr. 1.000 med én decimal, andele i hele procent. "
          "Hver figur kan hentes i fire former. 'CSV' og 'JSON' er til programmer: kolonnenavne på engelsk (fx "
          "reports_per_1000), uafrundede tal med decimalpunktum og antal som hele tal; CSV-filen er UTF-8 med BOM, så "
          "æ, ø og å vises rigtigt. 'CSV (dansk Excel)' åbner direkte i dansk Excel: semikolon mellem kolonnerne, "
          "decimalkomma, overskrifter som på siden og tal afrundet som på siden. 'Excel' (XLSX) har de uafrundede tal "
          "vist med sidens decimaler og et ark 'Om tallene' med kommune, filtre, enhed, kilde og hvor langt data "
          "rækker. En periode uden data er tom i filerne, aldrig 0."),
    )),
)
