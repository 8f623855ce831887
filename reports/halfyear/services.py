"""Half-year reports: create from the template, compute or freeze their content, publish, copy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import audit_log
from districts.models import Municipality
from reports import selectors
from reports.coverage import Coverage, dst_population_quarter, municipality_coverage
from reports.figures import FIGURES
from reports.models import ActivityFigure, HalfYearReport, ReportSection
from reports.periods import Period, period_range
from reports.services import default_categories, figure_table

from .findings import findings_write

REPORT_FIGURES = [slug for slug, spec in FIGURES.items() if spec.number]  # the published report's figures 2–8
# Sections whose content an app above reports computes (comparisons: the indicators and the comparison), by
# section kind: function(municipality=, config=) → {"caption", "headers", "rows"}. That app registers them when
# it is ready (``section_source_register``): reports may not import it.
SECTION_SOURCES: dict[str, Callable[..., dict]] = {}


def section_source_register(kind: str, function: Callable[..., dict]) -> None:
    SECTION_SOURCES[kind] = function
TEMPLATE = [
    (ReportSection.Kind.NARRATIVE, "Formål med og indhold af rapporten",
     "Formålet med denne halvårsrapport er at informere interesserede borgere, samarbejdspartnere og udvalg "
     "om Den Kriminalpræventive Enheds virke. Rapporten giver et overblik over det aktuelle "
     "kriminalitetsbillede og et indblik i indsatserne på det proaktive, det reaktive og det operative område."),
    (ReportSection.Kind.FINDINGS, "Hovedresultater", ""),
    (ReportSection.Kind.CRIME_PICTURE, "Kriminalitetsbilledet",
     "Tallene er politiets registrerede anmeldelser og sigtelser. Anmeldelsesstatistikken måler de "
     "lovovertrædelser, politiet kender til – ikke den faktiske kriminalitet."),
    (ReportSection.Kind.NARRATIVE, "Det proaktive område",
     "Beskriv de igangværende projekter, der forebygger kriminalitet på længere sigt."),
    (ReportSection.Kind.NARRATIVE, "Det reaktive område",
     "Beskriv arbejdet med børn og unge i eller på kanten af kriminalitet: niveau 1-, 2- og 3-sager."),
    (ReportSection.Kind.NARRATIVE, "Det operative område",
     "Beskriv mentorforløb, opsøgende arbejde og samarbejdet med politiet."),
    (ReportSection.Kind.ACTIVITY, "Nøgletal", ""),
    (ReportSection.Kind.SUMMARY, "Resumé", "Skriv et kort resumé af halvåret."),
    (ReportSection.Kind.NARRATIVE, "Kontakt", "Den Kriminalpræventive Enhed – skriv kontaktoplysninger her."),
]
# The template's instructions to the writer: a section still holding one cannot be published.
GUIDANCE = [body for _kind, _title, body in TEMPLATE
            if body and (body.startswith(("Beskriv", "Skriv")) or "skriv kontaktoplysninger" in body)]
TEXT_KINDS = (ReportSection.Kind.NARRATIVE, ReportSection.Kind.SUMMARY)  # written by hand: required non-empty

# Which periods the figures show (the editor's choice, kept in the figure sections' config):
PERIOD_MODES = {
    "seed": _("Seneste hele år i detaljer og ti års udvikling (som DKE's halvårsrapport)"),
    "half": _("Halvåret i detaljer, sammenlignet med samme halvår de foregående ti år"),
}
FIGURE_KINDS = (ReportSection.Kind.CRIME_PICTURE, ReportSection.Kind.FINDINGS)


def default_config(period: str, mode: str = "seed") -> dict:
    """The seed's convention: the last complete year in detail and the ten years before it as trend; or
    (mode "half") the report's half-year against the same half-year of the ten years before."""
    focus = Period.parse(period)
    if mode == "half" and focus.kind == "H":
        return {"from": str(Period(focus.year - 10, "H", focus.number)), "to": str(focus), "focus": str(focus),
                "date_basis": "report", "periods": "half"}
    year = focus.year if focus.kind == "Y" or (focus.kind == "H" and focus.number == 2) else focus.year - 1
    return {"from": str(year - 10), "to": str(year), "focus": str(year), "date_basis": "report", "periods": "seed"}


def section_config(section: ReportSection, report: HalfYearReport) -> dict:
    """A figure section's settings: with a period choice ("periods") its periods follow from the report's period;
    older sections keep the periods stored in them."""
    stored = section.config or {}
    if "periods" not in stored:
        return {**default_config(report.period), **stored}
    periods = default_config(report.period, stored["periods"])
    return {**periods, **{k: v for k, v in stored.items() if k not in ("from", "to", "focus", "periods")}}


def report_period_mode(report: HalfYearReport) -> str:
    for section in report.sections.all():
        if section.kind in FIGURE_KINDS:
            return (section.config or {}).get("periods", "seed")
    return "seed"


@transaction.atomic
def report_create(*, municipality: Municipality, period: str, user=None, title: str = "") -> HalfYearReport:
    Period.parse(period)
    report = HalfYearReport.objects.create(
        municipality=municipality, period=period, created_by=user if getattr(user, "is_authenticated", False) else None,
        title=title or f"Halvårsrapport {Period.parse(period).label} – {municipality.name}",
    )
    config = default_config(period)
    for order, (kind, section_title, body) in enumerate(TEMPLATE):
        ReportSection.objects.create(report=report, order=order, kind=kind, title=section_title, body=body,
                                     config=config if kind in ("crime_picture", "findings") else {})
    return report


@transaction.atomic
def report_copy(*, report: HalfYearReport, user=None) -> HalfYearReport:
    """A new draft with the same sections (text and settings), numbers computed afresh."""
    copy = HalfYearReport.objects.create(
        municipality=report.municipality, period=report.period, title=report.title, based_on=report,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    for section in report.sections.all():
        ReportSection.objects.create(report=copy, order=section.order, kind=section.kind, title=section.title,
                                     body=section.body, config=section.config)
    return copy


def section_move(*, section: ReportSection, step: int) -> None:
    sections = list(section.report.sections.all())
    index = sections.index(section)
    target = index + step
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
        for order, item in enumerate(sections):
            if item.order != order:
                item.order = order
                item.save(update_fields=["order"])


@dataclass
class SectionContent:
    section: ReportSection
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    activity: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # {"caption", "headers", "rows"} for indicator/comparison sections


def _compute(section: ReportSection, report: HalfYearReport) -> SectionContent:
    content = SectionContent(section)
    config = section_config(section, report)
    municipality = report.municipality
    categories = config.get("categories") or default_categories(municipality)
    if section.kind in FIGURE_KINDS:
        focus = Period.parse(config["focus"])
        for slug in REPORT_FIGURES:
            series = FIGURES[slug].series  # over the years; the others for the focus period
            first = config["from"] if series else config["focus"]
            table = figure_table(
                slug=slug, municipality=municipality, period=first, to=config["focus"] if series else None,
                categories=categories, date_basis=config.get("date_basis", "report"),
            )
            if series and focus.kind == "H":  # the same half-year of each year, not every half-year
                table = table[table["period"].isin([str(p) for p in period_range(first, focus)
                                                    if p.number == focus.number])].reset_index(drop=True)
            content.tables[slug] = table
        if section.kind == ReportSection.Kind.CRIME_PICTURE:
            content.extra = {"map": [{"name": d.name, "colour": d.color, "boundary": d.boundary}
                                     for d in selectors.districts_of(municipality=municipality) if d.boundary]}
        if section.kind == ReportSection.Kind.FINDINGS:
            previous = str(focus.same_last_year() if focus.kind == "H" else focus.previous())
            content.findings = findings_write(content.tables, focus=config["focus"], previous=previous,
                                              municipality_name=municipality.name, category_names=selectors.category_names())
            content.tables = {}
    elif section.kind in SECTION_SOURCES:  # indicators, the comparison: computed by the app that owns them
        content.extra = SECTION_SOURCES[section.kind](municipality=municipality, config=config)
    elif section.kind == ReportSection.Kind.ACTIVITY:
        period = Period.parse(report.period)
        wanted = [str(period), str(period.previous())]
        rows = ActivityFigure.objects.filter(municipality=municipality, period__in=wanted).select_related("district")
        content.activity = [
            {"name": r.name, "district": r.district.name if r.district else "", "period": r.period,
             "value": r.value, "unit": r.unit}
            for r in rows.order_by("name", "district__order", "period")
        ]
    return content


def data_window(report: HalfYearReport) -> dict:
    """How far the police data reach: {"first": date, "last": date} (frozen with a published report)."""
    if report.status == HalfYearReport.Status.PUBLISHED and report.snapshot and "window" in report.snapshot:
        window = report.snapshot["window"]
    else:
        first, last = selectors.data_span(municipality=report.municipality)
        window = {"first": first.isoformat() if first else None, "last": last.isoformat() if last else None}
    return {k: dt.date.fromisoformat(v) if v else None for k, v in window.items()}


def report_coverage(report: HalfYearReport) -> Coverage:
    """How far the report's data reach (its data date, ``Coverage.data_line``): frozen with a published report, the
    data's own for a draft. A report published before the coverage was frozen has its police window and today's
    population quarter."""
    snapshot = report.snapshot or {}
    if report.status != HalfYearReport.Status.PUBLISHED or not snapshot:
        return municipality_coverage(report.municipality)
    frozen = snapshot.get("coverage")
    if frozen:
        return Coverage(police_first=_date(frozen.get("police_first")), police_last=_date(frozen.get("police_last")),
                        dst_quarter=Period.parse(frozen["dst_quarter"]) if frozen.get("dst_quarter") else None)
    window = data_window(report)
    return Coverage(police_first=window["first"], police_last=window["last"],
                    dst_quarter=dst_population_quarter(report.municipality))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def report_content(report: HalfYearReport) -> list[SectionContent]:
    """Live numbers for a draft; the frozen numbers for a published report."""
    sections = list(report.sections.all())
    if report.status == HalfYearReport.Status.PUBLISHED and report.snapshot:
        frozen = report.snapshot.get("sections", {})
        result = []
        for section in sections:
            data = frozen.get(str(section.pk), {})
            tables = data.get("tables", {})
            # PostgreSQL's jsonb does not keep key order: put the figures back in report order
            result.append(SectionContent(
                section, {slug: pd.DataFrame.from_records(tables[slug], columns=FIGURES[slug].columns)
                          for slug in REPORT_FIGURES if slug in tables},
                data.get("findings", []), data.get("activity", []), data.get("extra", {}),
            ))
        return result
    return [_compute(section, report) for section in sections]


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in table.astype(object).to_dict("records")]


@transaction.atomic
def report_publish(*, report: HalfYearReport, user=None) -> HalfYearReport:
    """Freeze the numbers: a published report never changes when new data arrive."""
    content = report_content(report)
    window = data_window(report)
    coverage = municipality_coverage(report.municipality)
    report.snapshot = {"sections": {
        str(c.section.pk): {"tables": {slug: _records(t) for slug, t in c.tables.items()},
                            "findings": c.findings, "activity": c.activity, "extra": c.extra}
        for c in content
    }, "published_at": timezone.now().isoformat(),
        "window": {k: v.isoformat() if v else None for k, v in window.items()},
        "coverage": {"police_first": coverage.police_first.isoformat() if coverage.police_first else None,
                     "police_last": coverage.police_last.isoformat() if coverage.police_last else None,
                     "dst_quarter": str(coverage.dst_quarter) if coverage.dst_quarter else None}}
    report.status = HalfYearReport.Status.PUBLISHED
    report.published_at = timezone.now()
    report.save()
    audit_log(user=user, action="report_publish", municipality=report.municipality, target=str(report))
    return report


@dataclass
class Problem:
    """Something that keeps a report from being published, with the editor's anchor for it."""

    message: str
    section: ReportSection | None = None

    @property
    def anchor(self) -> str:
        return f"sec-{self.section.pk}" if self.section else "report-cover"


def report_logo_file(municipality: Municipality) -> tuple[bytes, str] | None:
    """The cover's logo: the one uploaded for the municipality (admin), else ``REPORT_LOGO_PATH``."""
    candidates = []
    if getattr(municipality, "report_logo", None):
        candidates.append(Path(municipality.report_logo.path))
    if settings.REPORT_LOGO_PATH:
        candidates.append(Path(settings.REPORT_LOGO_PATH))
    for path in candidates:
        if path.is_file():
            mime = {".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(path.suffix.lower(),
                                                                                             "image/png")
            return path.read_bytes(), mime
    return None


def report_problems(report: HalfYearReport) -> list[Problem]:
    """Why the report cannot be published yet: template guidance left in a section, a text section left empty,
    a cover with neither logo nor the municipality's name. Empty when it can."""
    problems = []
    for section in report.sections.all():
        body = (section.body or "").strip()
        guidance = [g for g in GUIDANCE if g in body]
        if guidance:
            problems.append(Problem(
                f"Afsnittet »{section.title}« indeholder stadig skabelonens vejledning (»{guidance[0]}«). "
                "Skriv teksten, eller slet afsnittet, hvis I ikke vil have det med.", section))
        elif section.kind in TEXT_KINDS and not body:
            problems.append(Problem(
                f"Afsnittet »{section.title}« er tomt. Skriv teksten, eller slet afsnittet, hvis I ikke vil have det "
                "med.", section))
        if not section.title.strip():
            problems.append(Problem("Et afsnit mangler sin overskrift.", section))
    if report_logo_file(report.municipality) is None and not report.municipality.name.strip():
        problems.append(Problem("Forsiden har hverken et logo eller kommunens navn. Upload kommunens logo i "
                                "administrationen (Kommuner)."))
    return problems


class ReportNotReady(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class StaleReport(Exception):
    """The report was saved by someone else after this editor page was opened."""


def report_version(report: HalfYearReport) -> str:
    return report.updated_at.isoformat()


@transaction.atomic
def report_save(*, report: HalfYearReport, version: str, title: str, sections: dict[int, tuple[str, str]],
                periods: str | None = None) -> HalfYearReport:
    """Save the whole editor at once (title, every section's heading and text, the period choice), refused with
    ``StaleReport`` when the report changed since the page showed ``version`` (optimistic locking)."""
    current = HalfYearReport.objects.select_for_update().get(pk=report.pk)
    if report_version(current) != version:
        raise StaleReport
    if current.status != HalfYearReport.Status.DRAFT:
        raise StaleReport
    for section in current.sections.all():
        if section.pk in sections:
            section.title, section.body = sections[section.pk][0][:200] or section.title, sections[section.pk][1]
            if periods in PERIOD_MODES and section.kind in FIGURE_KINDS:
                section.config = {**{k: v for k, v in (section.config or {}).items()
                                     if k not in ("from", "to", "focus")}, "periods": periods}
            section.save()
    current.title = title[:200] or current.title
    current.save()  # a new updated_at: the new version, and a new file name for the draft's PDF
    return current


def report_touch(report: HalfYearReport) -> None:
    """A structural edit (add, delete, move a section) is a new version too."""
    report.save(update_fields=["updated_at"])


def report_publish_checked(*, report: HalfYearReport, user=None) -> HalfYearReport:
    problems = report_problems(report)
    if problems:
        raise ReportNotReady(problems)
    return report_publish(report=report, user=user)


def problem_links(report: HalfYearReport, problems: list[Problem]) -> list[tuple[str, str]]:
    url = reverse("report_edit", args=[report.pk])
    return [(p.message, f"{url}#{p.anchor}") for p in problems]
