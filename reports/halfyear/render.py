"""A half-year report as HTML (preview) and PDF (WeasyPrint, imported lazily)."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from reports.dashboard import table_display
from reports.figures import FIGURES, SOURCE_LINE
from reports.models import HalfYearReport
from reports.selectors import category_names, districts_of

from .markdown import markdown_render
from .services import report_content
from .svgcharts import chart_svg


def report_context(report: HalfYearReport, *, charts: bool = True) -> dict:
    names = category_names()
    districts = [(d.name, d.color) for d in districts_of(municipality=report.municipality)]
    sections = []
    appendix = []
    for content in report_content(report):
        figures = []
        for slug, table in content.tables.items():
            spec = FIGURES[slug]
            headers, rows = table_display(table, names)
            svg = chart_svg(slug=slug, table=table, districts=districts, category_names=names) if charts else ""
            figure = {"spec": spec, "svg": mark_safe(svg), "headers": headers, "rows": rows,  # noqa: S308 - our SVG
                      "periods": sorted(set(table["period"])) if "period" in table else []}
            figures.append(figure)
            appendix.append(figure)
        sections.append({"section": content.section, "html": mark_safe(markdown_render(content.section.body)),  # noqa: S308
                         "figures": figures, "findings": content.findings, "activity": content.activity,
                         "extra": content.extra})
    logo = getattr(settings, "REPORT_LOGO_PATH", "")
    logo_uri = ""
    if logo and Path(logo).is_file():
        logo_uri = "data:image/png;base64," + base64.b64encode(Path(logo).read_bytes()).decode()
    return {"report": report, "sections": sections, "appendix": appendix, "source_line": SOURCE_LINE,
            "logo_uri": logo_uri}


def report_html(report: HalfYearReport, *, for_pdf: bool = False) -> str:
    """The report in Danish whatever the page's language: it is the municipality's published document, and the
    same in a preview, a PDF rendered in the web process and one rendered by a worker."""
    with translation.override("da"):
        return render_to_string("halfyear/report.html", {**report_context(report), "for_pdf": for_pdf})


def report_pdf(report: HalfYearReport) -> tuple[bytes, float]:
    """PDF bytes and the seconds it took."""
    from weasyprint import HTML

    started = time.perf_counter()
    html = report_html(report, for_pdf=True)
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf, time.perf_counter() - started
