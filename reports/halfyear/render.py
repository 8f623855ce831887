"""A half-year report as HTML (preview) and PDF (WeasyPrint, imported lazily).

The PDF is tagged (PDF/UA-1: structure tree, document language, title and author), its charts are images with
alternative text stating what they show, and its tables have header cells. Charts are SVG images (not inline
SVG): WeasyPrint then neither cascades the page's CSS through thousands of chart nodes nor lays them out as
HTML, which was most of the render time.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from common.formatting import number
from reports.figures import FIGURES, SOURCE_LINE
from reports.models import HalfYearReport, ReportSection
from reports.periods import Period
from reports.selectors import category_names, districts_of
from reports.tables import cell_text, table_display

from .markdown import markdown_render
from .services import data_window, report_content, report_coverage, report_logo_file
from .svgcharts import district_map_svg

Progress = Callable[[int, str], None]
LONG_SECTION = 1500  # characters of text: such a chapter starts on a new page, shorter ones flow on


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def period_name(period: str) -> str:
    try:
        return Period.parse(period).label
    except ValueError:
        return str(period)


def periods_text(periods: list[str]) -> str:
    if not periods:
        return ""
    return period_name(periods[0]) if len(periods) == 1 else f"{period_name(periods[0])}–{period_name(periods[-1])}"


def _chart(slug: str, table: pd.DataFrame, districts: list[tuple[str, str]], names: dict[str, str],
           municipality_name: str) -> str:
    """The chart as a data URI, cached by the table's contents (the same numbers always give the same chart)."""
    digest = hashlib.sha256(repr((slug, table.to_json(), districts, sorted(names.items()), municipality_name,
                                  "v3")).encode()).hexdigest()
    key = f"report-chart:{digest}"
    uri = cache.get(key)
    if uri is None:
        svg = FIGURES[slug].pdf_chart(table, districts=districts, category_names=names,
                                      municipality_name=municipality_name)
        uri = _data_uri(svg.encode(), "image/svg+xml")
        cache.set(key, uri, settings.FIGURE_CACHE_SECONDS)
    return uri


def appendix_table(slug: str, table: pd.DataFrame, names: dict[str, str]) -> tuple[list[str], list[list]]:
    """A figure's numbers as a compact table: a series with its periods as columns (one row per district and
    category), a single period without its period column. Headers and rows of (text, "num"/"text")."""
    periods = list(dict.fromkeys(table["period"])) if "period" in table else []
    figure = FIGURES[slug]
    series = figure.appendix_series(table.assign(district=table["district"].replace({"": "Ukendt bydel"})), names) \
        if figure.series and len(periods) > 1 else None
    if series is not None:
        frame, keys, measures, series_headers = series
        series_rows = []
        for key, group in frame.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            by_period = group.set_index("period")
            for column, label in measures:
                cells = [(str(k), "text") for k in key] + ([(label, "text")] if label else [])
                cells += [(cell_text(column, by_period[column].get(p)) if p in by_period.index else "", "num")
                          for p in periods]
                series_rows.append(cells)
        return series_headers + [period_name(p) for p in periods], series_rows
    shown = table.drop(columns=["period"]) if len(periods) == 1 else table
    shown = shown.drop(columns=list(figure.appendix_hidden))
    headers, rows = table_display(shown, names)
    return ([label for _column, label in headers],
            [[(period_name(text) if column == "period" else text, kind) for text, kind, column in row]
             for row in rows])


def activity_table(activity: list[dict]) -> dict:
    """Key figures with their periods as columns: {"activity_periods": [name], "activity": [{name, district,
    values: [text]}]} (one row per figure and district instead of one per period)."""
    periods = sorted({a["period"] for a in activity}, key=Period.parse)
    rows: dict[tuple[str, str], dict] = {}
    for a in activity:
        row = rows.setdefault((a["name"], a["district"]), {"name": a["name"], "district": a["district"],
                                                           "values": [""] * len(periods)})
        value = a["value"]
        row["values"][periods.index(a["period"])] = (
            f"{number(value, 1)} %" if a.get("unit") == "procent" else number(value, 0))
    return {"activity": list(rows.values()), "activity_periods": [period_name(p) for p in periods]}


def report_context(report: HalfYearReport, *, charts: bool = True, progress: Progress | None = None) -> dict:
    progress = progress or (lambda _percent, _stage: None)
    names = category_names()
    municipality = report.municipality
    districts = [(d.name, d.color) for d in districts_of(municipality=municipality)]
    window = data_window(report)
    coverage = report_coverage(report)  # the data date: on the cover, and the police's in each figure's source
    last = coverage.police_last
    window_line = f"{coverage.police_text()}." if last else "Ingen politidata endnu."
    progress(15, "Tallene er regnet ud")
    sections = []
    appendix: list[dict[str, Any]] = []
    contents = report_content(report)
    figure_count = sum(len(c.tables) for c in contents) or 1
    drawn = 0
    for content in contents:
        figures = []
        section = content.section
        if section.kind == ReportSection.Kind.CRIME_PICTURE and content.extra.get("map"):
            shapes = content.extra["map"]
            svg = district_map_svg(shapes) if charts else ""
            district_names = [s["name"] for s in shapes]
            listed = district_names[0] if len(district_names) == 1 else (
                ", ".join(district_names[:-1]) + " og " + district_names[-1])
            figures.append({
                "number": 1, "anchor": f"fig-{section.pk}-map", "title": f"{municipality.name}s bydele",
                "periods": "", "caption": f"Kommunen er delt i bydelene {listed}.",
                "img": _data_uri(svg.encode(), "image/svg+xml") if svg else "", "map": True,
                "alt": f"Kort over {municipality.name} Kommune med bydelene {listed}, hver i sin farve.",
                "source": "Kilde: kommunens bydelsgrænser.",
            })
        for slug, table in content.tables.items():
            spec = FIGURES[slug]
            periods = list(dict.fromkeys(table["period"])) if "period" in table else []
            uri = _chart(slug, table, districts, names, municipality.name) if charts else ""
            drawn += 1
            progress(15 + 45 * drawn // figure_count, f"Figur {spec.number} er tegnet")
            headers, rows = appendix_table(slug, table, names)
            caption = spec.report_caption(table, municipality_name=municipality.name)
            figure: dict[str, Any] = {"number": spec.number, "anchor": f"fig-{section.pk}-{slug}", "title": spec.title,
                      "periods": periods_text(periods), "caption": caption, "spec": spec,
                      "img": uri,
                      "alt": spec.pdf_alt(table, category_names=names, municipality_name=municipality.name),
                      "source": f"{SOURCE_LINE} {window_line}", "late": spec.personal,
                      "headers": headers, "rows": rows}
            figures.append(figure)
            appendix.append(figure)
        text = len(section.body or "")
        sections.append({
            "section": section, "html": mark_safe(markdown_render(section.body)),  # noqa: S308 - sanitised
            "figures": figures, "findings": content.findings, **activity_table(content.activity),
            "extra": content.extra,
            "chapter": section.kind == ReportSection.Kind.CRIME_PICTURE or text > LONG_SECTION,
            "crime_picture": section.kind == ReportSection.Kind.CRIME_PICTURE,
        })
    logo = report_logo_file(municipality)
    first = window["first"]
    return {"report": report, "sections": sections, "appendix": appendix, "source_line": SOURCE_LINE,
            "logo_uri": _data_uri(*logo) if logo else "", "period_name": period_name(report.period),
            "window_line": window_line, "data_line": coverage.data_line(long_names=True),
            "window_text": (f"Figurerne bygger på politiets registrerede anmeldelser og sigtelser fra {first.year} "
                            f"til og med {last:%d-%m-%Y} og på Danmarks Statistiks befolkningstal."
                            if first and last else "")}


def report_html(report: HalfYearReport, *, for_pdf: bool = False, progress: Progress | None = None) -> str:
    """The report in Danish whatever the page's language: it is the municipality's published document, and the
    same in a preview, a PDF rendered in the web process and one rendered by a worker."""
    with translation.override("da"):
        return render_to_string("halfyear/report.html", {**report_context(report, progress=progress),
                                                         "for_pdf": for_pdf})


def report_pdf(report: HalfYearReport, *, progress: Progress | None = None) -> tuple[bytes, float]:
    """PDF bytes (tagged PDF/UA-1) and the seconds it took."""
    # A real lazy load, not a hidden cycle: WeasyPrint is heavy, and only a PDF render needs it.
    from weasyprint import HTML

    progress = progress or (lambda _percent, _stage: None)
    started = time.perf_counter()
    html = report_html(report, for_pdf=True, progress=progress)
    progress(65, "Siderne sættes op")
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(pdf_variant="pdf/ua-1")
    progress(90, "PDF-filen skrives")
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf, time.perf_counter() - started
