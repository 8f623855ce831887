"""Half-year reports: create from the template, compute or freeze their content, publish, copy."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.utils import timezone

from districts.models import Municipality
from reports import selectors
from reports.figures import FIGURES
from reports.models import ActivityFigure, HalfYearReport, ReportSection
from reports.periods import Period
from reports.services import default_categories, figure_table

from .findings import findings_write

SERIES = ("reports-by-period", "reports-per-1000")  # over the years; the others for the focus year
REPORT_FIGURES = [slug for slug, spec in FIGURES.items() if spec.number]  # the published report's figures 2–8
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


def default_config(period: str) -> dict:
    focus = Period.parse(period)
    year = focus.year if focus.kind == "Y" or (focus.kind == "H" and focus.number == 2) else focus.year - 1
    return {"from": str(year - 10), "to": str(year), "focus": str(year), "date_basis": "report"}


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
    config = {**default_config(report.period), **(section.config or {})}
    municipality = report.municipality
    categories = config.get("categories") or default_categories(municipality)
    if section.kind in (ReportSection.Kind.CRIME_PICTURE, ReportSection.Kind.FINDINGS):
        for slug in REPORT_FIGURES:
            first = config["from"] if slug in SERIES else config["focus"]
            content.tables[slug] = figure_table(
                slug=slug, municipality=municipality, period=first, to=config["focus"] if slug in SERIES else None,
                categories=categories, date_basis=config.get("date_basis", "report"),
            )
        if section.kind == ReportSection.Kind.FINDINGS:
            previous = str(Period.parse(config["focus"]).previous())
            content.findings = findings_write(content.tables, focus=config["focus"], previous=previous,
                                              municipality_name=municipality.name, category_names=selectors.category_names())
            content.tables = {}
    elif section.kind == ReportSection.Kind.INDICATORS:
        from comparisons.pages import indicator_rows

        rows = []
        for row in indicator_rows(municipality):
            years = [y for y, v in row["series"].items() if v is not None]
            latest = max(years) if years else None
            indicator = row["indicator"]
            rows.append([indicator.name, f"{_fmt(indicator.baseline_value, 1)} ({indicator.baseline_year})",
                         f"{_fmt(indicator.target_value, 1)} ({indicator.target_year})",
                         f"{_fmt(row['series'][latest], 1)} ({latest})" if latest else "–", row["status_label"]])
        content.extra = {"caption": "Mål og indikatorer", "rows": rows,
                         "headers": ["Indikator", "Udgangspunkt", "Mål", "Seneste", "Status"]}
    elif section.kind == ReportSection.Kind.COMPARISON:
        from comparisons.services import comparison_table

        table = comparison_table(municipality=municipality, period=config["focus"], categories=["TOT"])
        content.extra = {"caption": f"Anmeldte forbrydelser pr. 1.000 indbyggere, {config['focus']} (DST)",
                         "headers": ["Kommune", "Anmeldelser", "Indbyggere", "Pr. 1.000"],
                         "rows": [[r.municipality, _fmt(r.reports, 0), _fmt(r.population, 0), _fmt(r.reports_per_1000, 1)]
                                  for r in table.itertuples()]}
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


def _fmt(value, decimals: int) -> str:
    from reports.templatetags.dk import format_dk

    return format_dk(value, decimals)


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
    report.snapshot = {"sections": {
        str(c.section.pk): {"tables": {slug: _records(t) for slug, t in c.tables.items()},
                            "findings": c.findings, "activity": c.activity, "extra": c.extra}
        for c in content
    }, "published_at": timezone.now().isoformat()}
    report.status = HalfYearReport.Status.PUBLISHED
    report.published_at = timezone.now()
    report.save()
    from accounts.services import audit_log

    audit_log(user=user, action="report_publish", municipality=report.municipality, target=str(report))
    return report
