"""Vector charts for the PDF, written as plain SVG from the same tables as the web charts.

No browser is needed (the PDF must render on a server without one), and no plotting library: a chart is a few
dozen rectangles, lines and texts, which WeasyPrint draws in milliseconds (matplotlib's SVG of the same chart had
ten times the elements and took longer to make than the rest of the report's numbers). Colours come from
``reports.charts.district_colours`` so a district has the same colour on screen and on paper.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.utils.html import escape

from common.formatting import number
from reports.charts import UNKNOWN_LABEL, ring_centroid
from reports.periods import Period

WIDTH, HEIGHT = 660.0, 290.0
FONT = 'font-family="DejaVu Sans" font-size="10"'
GRID, AXIS, INK = "#e5e5e5", "#4a4f55", "#1a1a1a"


def text(x: float, y: float, text: str, *, anchor: str = "middle", size: float = 10, fill: str = INK,
          weight: str = "normal", lines: list[str] | None = None) -> str:
    lines = lines or [text]
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.15:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="DejaVu Sans" font-size="{size}" '
            f'fill="{fill}" font-weight="{weight}">{spans}</text>')


def rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{colour}"/>'


def wrap(label: str, width: int = 16) -> list[str]:
    words, lines = label.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return lines[:3]


def nice_ticks(top: float) -> list[float]:
    """0 and 4–6 round steps up to at least ``top``."""
    if not top or top != top or top <= 0:
        return [0.0, 1.0]
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def axis_title_and_legend(title: str, middle: float, names: list[str], colours: dict[str, str]) -> list[str]:
    """A bar chart's y-axis title (turned up the left edge) and its legend of the districts' colours."""
    return [f'<text transform="translate(12 {middle:.1f}) rotate(-90)" text-anchor="middle" {FONT} fill="{AXIS}">'
            f'{escape(title)}</text>',
            legend([(name or str(UNKNOWN_LABEL), colours.get(name, "#8a8a8a")) for name in names], HEIGHT - 18)]


def legend(entries: list[tuple[str, str]], y: float, *, title: str = "") -> str:
    """Coloured squares and names in one centred row."""
    widths = [18 + 6.2 * len(name) + 14 for name, _c in entries]
    title_width = 6.2 * len(title) + 10 if title else 0
    x = (WIDTH - sum(widths) - title_width) / 2
    parts = [text(x, y + 9, title, anchor="start", size=9, fill=AXIS)] if title else []
    x += title_width
    for (name, colour), width in zip(entries, widths, strict=True):
        parts.append(rect(x, y, 10, 10, colour))
        parts.append(text(x + 14, y + 9, name, anchor="start", size=9))
        x += width
    return "".join(parts)


def svg_document(parts: list[str], height: float = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH:.0f} {height:.0f}">' + "".join(parts) + "</svg>")


def _axes(*, left: float, top: float, right: float, bottom: float, ticks: list[float], unit: str = "",
          decimals: int = 0) -> tuple[list[str], Callable[[float], float]]:
    """Horizontal grid lines with their values; returns the parts and value → y."""
    high = ticks[-1] or 1

    def y_of(value: float) -> float:
        return bottom - (value / high) * (bottom - top)

    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}" '
                     'stroke-width="0.8"/>')
        parts.append(text(left - 5, y + 3.5, number(tick, decimals) + unit, anchor="end", size=9, fill=AXIS))
    parts.append(f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" stroke="{AXIS}" '
                 'stroke-width="0.8"/>')
    return parts, y_of


def grouped_bars(labels: list[list[str]], series: dict[str, list[float]], colours: dict[str, str], ylabel: str,
             decimals: int = 0) -> str:
    left, right, top = 58.0, WIDTH - 10, 12.0
    label_lines = max((len(lines) for lines in labels), default=1)
    bottom = HEIGHT - 40 - 11 * label_lines
    values = [v for vs in series.values() for v in vs if v == v]
    ticks = nice_ticks(max(values, default=0))
    parts, y_of = _axes(left=left, top=top, right=right, bottom=bottom, ticks=ticks,
                        decimals=1 if ticks[-1] < 5 and decimals else 0)
    group = (right - left) / max(len(labels), 1)
    width = group * 0.8 / max(len(series), 1)
    for g, lines in enumerate(labels):
        x0 = left + g * group + group * 0.1
        for i, (name, vs) in enumerate(series.items()):
            value = vs[g]
            if value == value and value:
                parts.append(rect(x0 + i * width, y_of(value), width * 0.92, bottom - y_of(value),
                                   colours.get(name, "#8a8a8a")))
        parts.append(text(left + (g + 0.5) * group, bottom + 13, "", size=9, lines=lines))
    return svg_document([*parts, *axis_title_and_legend(ylabel, (top + bottom) / 2, list(series), colours)])


def stacked_bars(labels: list[list[str]], stacks: dict[str, list[float]], colours: dict[str, str]) -> str:
    left, right, top = 58.0, WIDTH - 10, 12.0
    label_lines = max((len(lines) for lines in labels), default=1)
    bottom = HEIGHT - 40 - 11 * label_lines
    parts, y_of = _axes(left=left, top=top, right=right, bottom=bottom, ticks=[0, 20, 40, 60, 80, 100], unit=" %")
    group = (right - left) / max(len(labels), 1)
    for g, lines in enumerate(labels):
        x, base = left + g * group + group * 0.2, 0.0
        for name, vs in stacks.items():
            value = vs[g] if vs[g] == vs[g] else 0
            if value:
                parts.append(rect(x, y_of(base + value), group * 0.6, y_of(base) - y_of(base + value),
                                   colours.get(name, "#8a8a8a")))
                if value >= 6:
                    parts.append(text(x + group * 0.3, y_of(base + value / 2) + 3.5, f"{number(value, 0)} %",
                                       size=9, fill="#ffffff"))
            base += value
        parts.append(text(left + (g + 0.5) * group, bottom + 13, "", size=9, lines=lines))
    return svg_document([*parts, *axis_title_and_legend("Andel", (top + bottom) / 2, list(stacks), colours)])


def period_tick(period: str) -> list[str]:
    """Years as they are; a half-year on two lines ("2. halvår" over "2025")."""
    parsed = Period.parse(period)
    return [parsed.label] if parsed.kind == "Y" else [f"{parsed.number}. halvår", str(parsed.year)]


def _rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [polygon[0] for polygon in polygons if polygon]


def district_map_svg(districts: list[dict], width: float = 420.0) -> str:
    """Fig. 1: the districts' stored boundaries (GeoJSON, WGS84) as a plain SVG map, each district in its own
    colour and named at its centre. No tiles, no projection library: degrees of longitude are shortened by the
    cosine of the latitude, which is true enough at a municipality's scale."""
    shapes = [(d["name"], d.get("colour") or "#8a8a8a", _rings(d["boundary"])) for d in districts if d.get("boundary")]
    points = [p for _n, _c, rings in shapes for ring in rings for p in ring]
    if not points:
        return ""
    lat0 = sum(p[1] for p in points) / len(points)
    k = np.cos(np.radians(lat0))
    xs, ys = [p[0] * k for p in points], [p[1] for p in points]
    x0, y0 = min(xs), max(ys)
    scale = width / max(max(xs) - x0, 1e-9)
    height = (y0 - min(ys)) * scale
    if height > width * 0.9:  # a tall municipality: fit the height instead
        scale *= width * 0.9 / height
        height = width * 0.9

    def project(point: list[float]) -> tuple[float, float]:
        return (point[0] * k - x0) * scale + 10, (y0 - point[1]) * scale + 10

    paths, labels = [], []
    for name, colour, rings in shapes:
        d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in map(project, ring)) + " Z" for ring in rings)
        paths.append(f'<path d="{d}" fill="{colour}" fill-opacity="0.85" stroke="#ffffff" stroke-width="1.5"/>')
        cx, cy, _area = max((ring_centroid([list(project(p)) for p in ring]) for ring in rings), key=lambda c: c[2])
        labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" dominant-baseline="middle" '
                      f'font-family="DejaVu Sans" font-size="13" font-weight="bold" fill="#1a1a1a" stroke="#ffffff" '
                      f'stroke-width="3" paint-order="stroke">{escape(name)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20:.0f}" height="{height + 20:.0f}" '
            f'viewBox="0 0 {width + 20:.0f} {height + 20:.0f}">' + "".join(paths) + "".join(labels) + "</svg>")


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def period_bars_svg(frame: pd.DataFrame, *, value: str, colours: dict[str, str], periods: list[str], ylabel: str,
                    decimals: bool) -> str:
    """A series by district (figs. 2 and 3): the categories summed per district, a bar group per period."""
    grouped = frame.groupby(["district", "period"], sort=False)[value].sum(min_count=1)
    series = {d: [float(grouped.get((d, p), float("nan"))) for p in periods]
              for d in dict.fromkeys(frame["district"]) if frame[frame["district"] == d][value].notna().any()}
    return grouped_bars([period_tick(p) for p in periods], series, colours, ylabel, decimals=decimals)


def category_bars_svg(frame: pd.DataFrame, *, value: str, colours: dict[str, str], names: dict[str, str],
                      ylabel: str, decimals: bool) -> str:
    """One period by category and district (figs. 4 and 6): a bar group per category."""
    categories = list(dict.fromkeys(frame["category"]))
    cells = frame.groupby(["district", "category"], sort=False)[value].sum(min_count=1)
    series = {d: [float(cells.get((d, c), float("nan"))) for c in categories]
              for d in dict.fromkeys(frame["district"]) if frame[frame["district"] == d][value].notna().any()}
    return grouped_bars(category_lines(categories, names), series, colours, ylabel, decimals=decimals)


def share_stacks_svg(frame: pd.DataFrame, *, colours: dict[str, str], names: dict[str, str]) -> str:
    """The districts' shares stacked to 100 % per category (figs. 5 and 7)."""
    categories = list(dict.fromkeys(frame["category"]))
    cells = frame.groupby(["district", "category"], sort=False)["share_pct"].sum(min_count=1)
    stacks = {d: [float(cells.get((d, c), float("nan"))) for c in categories] for d in dict.fromkeys(frame["district"])}
    return stacked_bars(category_lines(categories, names), stacks, colours)


def category_lines(categories: list[str], names: dict[str, str]) -> list[list[str]]:
    return [wrap(names.get(s, s)) for s in categories]


def series_alt(frame: pd.DataFrame, *, value: str, what: str, span: str, districts: list[str]) -> str:
    """The alternative text of a series by district (figs. 2 and 3): its last period's values."""
    periods = list(dict.fromkeys(frame["period"]))
    decimals = 1 if value == "reports_per_1000" else 0
    last = frame[frame["period"] == periods[-1]].groupby("district")[value].sum(min_count=1)
    values = "; ".join(f"{d} {number(last[d], decimals)}" for d in districts if d in last and last[d] == last[d])
    return (f"Søjlediagram: {what} pr. periode {span} for {join_names(districts)}. "
            f"I {Period.parse(periods[-1]).label}: {values}.")


def category_alt(frame: pd.DataFrame, *, value: str, what: str, span: str, districts: list[str],
                 names: dict[str, str]) -> str:
    """The alternative text of a chart by category and district (figs. 4–7): every bar's value."""
    decimals = 1 if value == "reports_per_1000" else 0
    unit = " %" if value == "share_pct" else ""
    parts = []
    for category in dict.fromkeys(frame["category"]):
        rows = frame[(frame["category"] == category) & frame["district"].isin(districts)]
        cells = ", ".join(f"{d} {number(v, decimals)}{unit}" for d, v in zip(rows["district"], rows[value],
                                                                               strict=True) if v == v)
        parts.append(f"{names.get(category, category)}: {cells}")
    return f"Søjlediagram: {what} pr. gerningstype og bydel, {span}. " + "; ".join(parts) + "."
