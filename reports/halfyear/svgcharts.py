"""Vector charts for the PDF, written as plain SVG from the same tables as the web charts.

No browser is needed (the PDF must render on a server without one), and no plotting library: a chart is a few
dozen rectangles, lines and texts, which WeasyPrint draws in milliseconds (matplotlib's SVG of the same chart had
ten times the elements and took longer to make than the rest of the report's numbers). Colours come from
``reports.charts.district_colours`` so a district has the same colour on screen and on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from django.utils.html import escape

from common.formatting import number
from reports.charts import UNKNOWN_LABEL, district_colours
from reports.periods import Period

WIDTH, HEIGHT = 660.0, 290.0
FONT = 'font-family="DejaVu Sans" font-size="10"'
GRID, AXIS, INK = "#e5e5e5", "#4a4f55", "#1a1a1a"


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: float = 10, fill: str = INK,
          weight: str = "normal", lines: list[str] | None = None) -> str:
    lines = lines or [text]
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.15:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="DejaVu Sans" font-size="{size}" '
            f'fill="{fill}" font-weight="{weight}">{spans}</text>')


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{colour}"/>'


def _wrap(label: str, width: int = 16) -> list[str]:
    words, lines = label.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return lines[:3]


def _nice_ticks(top: float) -> list[float]:
    """0 and 4–6 round steps up to at least ``top``."""
    if not top or top != top or top <= 0:
        return [0.0, 1.0]
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _axis_title_and_legend(title: str, middle: float, names: list[str], colours: dict[str, str]) -> list[str]:
    """A bar chart's y-axis title (turned up the left edge) and its legend of the districts' colours."""
    return [f'<text transform="translate(12 {middle:.1f}) rotate(-90)" text-anchor="middle" {FONT} fill="{AXIS}">'
            f'{escape(title)}</text>',
            _legend([(name or str(UNKNOWN_LABEL), colours.get(name, "#8a8a8a")) for name in names], HEIGHT - 18)]


def _legend(entries: list[tuple[str, str]], y: float, *, title: str = "") -> str:
    """Coloured squares and names in one centred row."""
    widths = [18 + 6.2 * len(name) + 14 for name, _c in entries]
    title_width = 6.2 * len(title) + 10 if title else 0
    x = (WIDTH - sum(widths) - title_width) / 2
    parts = [_text(x, y + 9, title, anchor="start", size=9, fill=AXIS)] if title else []
    x += title_width
    for (name, colour), width in zip(entries, widths, strict=True):
        parts.append(_rect(x, y, 10, 10, colour))
        parts.append(_text(x + 14, y + 9, name, anchor="start", size=9))
        x += width
    return "".join(parts)


def _svg(parts: list[str], height: float = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH:.0f} {height:.0f}">' + "".join(parts) + "</svg>")


def _axes(*, left: float, top: float, right: float, bottom: float, ticks: list[float], unit: str = "",
          decimals: int = 0) -> tuple[list[str], callable]:
    """Horizontal grid lines with their values; returns the parts and value → y."""
    high = ticks[-1] or 1

    def y_of(value: float) -> float:
        return bottom - (value / high) * (bottom - top)

    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}" '
                     'stroke-width="0.8"/>')
        parts.append(_text(left - 5, y + 3.5, number(tick, decimals) + unit, anchor="end", size=9, fill=AXIS))
    parts.append(f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" stroke="{AXIS}" '
                 'stroke-width="0.8"/>')
    return parts, y_of


def _grouped(labels: list[list[str]], series: dict[str, list[float]], colours: dict[str, str], ylabel: str,
             decimals: int = 0) -> str:
    left, right, top = 58.0, WIDTH - 10, 12.0
    label_lines = max((len(lines) for lines in labels), default=1)
    bottom = HEIGHT - 40 - 11 * label_lines
    values = [v for vs in series.values() for v in vs if v == v]
    ticks = _nice_ticks(max(values, default=0))
    parts, y_of = _axes(left=left, top=top, right=right, bottom=bottom, ticks=ticks,
                        decimals=1 if ticks[-1] < 5 and decimals else 0)
    group = (right - left) / max(len(labels), 1)
    width = group * 0.8 / max(len(series), 1)
    for g, lines in enumerate(labels):
        x0 = left + g * group + group * 0.1
        for i, (name, vs) in enumerate(series.items()):
            value = vs[g]
            if value == value and value:
                parts.append(_rect(x0 + i * width, y_of(value), width * 0.92, bottom - y_of(value),
                                   colours.get(name, "#8a8a8a")))
        parts.append(_text(left + (g + 0.5) * group, bottom + 13, "", size=9, lines=lines))
    return _svg([*parts, *_axis_title_and_legend(ylabel, (top + bottom) / 2, list(series), colours)])


def _stacked(labels: list[list[str]], stacks: dict[str, list[float]], colours: dict[str, str]) -> str:
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
                parts.append(_rect(x, y_of(base + value), group * 0.6, y_of(base) - y_of(base + value),
                                   colours.get(name, "#8a8a8a")))
                if value >= 6:
                    parts.append(_text(x + group * 0.3, y_of(base + value / 2) + 3.5, f"{number(value, 0)} %",
                                       size=9, fill="#ffffff"))
            base += value
        parts.append(_text(left + (g + 0.5) * group, bottom + 13, "", size=9, lines=lines))
    return _svg([*parts, *_axis_title_and_legend("Andel", (top + bottom) / 2, list(stacks), colours)])


def _period_tick(period: str) -> list[str]:
    """Years as they are; a half-year on two lines ("2. halvår" over "2025")."""
    parsed = Period.parse(period)
    return [parsed.label] if parsed.kind == "Y" else [f"{parsed.number}. halvår", str(parsed.year)]


def residence_split(frame: pd.DataFrame, municipality_name: str) -> tuple[list[tuple[str, float]], float]:
    """Fig. 8: the municipality's own residents by home district [(district, persons)] and their total."""
    own = frame[frame["home_municipality"] == municipality_name]
    total = pd.to_numeric(own.loc[own["home_district"] == "", "persons"], errors="coerce").sum()
    parts = [(d, float(v)) for d, v in zip(own["home_district"], pd.to_numeric(own["persons"], errors="coerce"),
                                            strict=True) if d and v == v]
    return parts, float(total)


def _residence(frame: pd.DataFrame, colours: dict[str, str], municipality_name: str) -> str:
    """Horizontal bars per home municipality; the municipality's own residents stacked by home district, as in
    the seed's fig. 8 (Vester 44, Lund 40, Øster 34 of Albertslund's 118)."""
    frame = frame.copy()
    frame["persons"] = pd.to_numeric(frame["persons"], errors="coerce")
    totals = frame[frame["home_district"] == ""].sort_values("persons", ascending=False)
    if len(totals) > 14:  # the largest 13 and the rest together; the table keeps every row
        rest = totals.iloc[13:]
        totals = pd.concat([totals.iloc[:13], pd.DataFrame(
            [{"home_municipality": f"Øvrige ({len(rest)} kommuner)", "persons": rest["persons"].sum()}])])
    names = list(totals["home_municipality"])
    values = [float(v) if v == v else 0.0 for v in totals["persons"]]
    row = 17.0
    top, left, right = 8.0, 150.0, WIDTH - 40
    bottom = top + row * len(names)
    height = bottom + 52
    ticks = _nice_ticks(max(values, default=0))
    high = ticks[-1] or 1

    def x_of(value: float) -> float:
        return left + value / high * (right - left)

    parts = []
    for tick in ticks:
        parts.append(f'<line x1="{x_of(tick):.1f}" y1="{top:.1f}" x2="{x_of(tick):.1f}" y2="{bottom:.1f}" '
                     f'stroke="{GRID}" stroke-width="0.8"/>')
        parts.append(_text(x_of(tick), bottom + 13, number(tick, 0), size=9, fill=AXIS))
    split, _total = residence_split(frame, municipality_name)
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        y = top + i * row + 2
        parts.append(_text(left - 6, y + 10, name, anchor="end", size=9))
        if name == municipality_name and split:
            start = 0.0
            for district, persons in split:
                parts.append(_rect(x_of(start), y, x_of(start + persons) - x_of(start), row - 4,
                                   colours.get(district, "#8a8a8a")))
                if persons >= high * 0.06:
                    parts.append(_text((x_of(start) + x_of(start + persons)) / 2, y + 10, number(persons, 0),
                                       size=8.5, fill="#ffffff"))
                start += persons
            if value > start:  # residents whose district is unknown
                parts.append(_rect(x_of(start), y, x_of(value) - x_of(start), row - 4, colours.get("", "#8a8a8a")))
        else:
            parts.append(_rect(left, y, x_of(value) - left, row - 4, "#0072B2"))
        parts.append(_text(x_of(value) + 4, y + 10, number(value, 0), anchor="start", size=9))
    parts.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{bottom:.1f}" stroke="{AXIS}" '
                 'stroke-width="0.8"/>')
    parts.append(_text((left + right) / 2, bottom + 28, "Sigtede personer", size=10, fill=AXIS))
    if split:
        parts.append(_legend([(d, colours.get(d, "#8a8a8a")) for d, _p in split], height - 16,
                             title=f"Bopæl i {municipality_name}:"))
    return _svg(parts, height)


def chart_svg(*, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]],
              category_names: dict[str, str], municipality_name: str = "") -> str:
    """One of figures 2–8 as SVG text."""
    colours = district_colours(districts)
    frame = table.copy()
    for column in ("reports", "reports_per_1000", "share_pct", "charges", "persons"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    periods = list(dict.fromkeys(frame["period"])) if "period" in frame else []
    names = lambda slugs: [_wrap(category_names.get(s, s)) for s in slugs]  # noqa: E731
    if slug in ("reports-by-period", "reports-per-1000"):
        value = "reports" if slug == "reports-by-period" else "reports_per_1000"
        grouped = frame.groupby(["district", "period"], sort=False)[value].sum(min_count=1)
        series = {d: [float(grouped.get((d, p), float("nan"))) for p in periods]
                  for d in dict.fromkeys(frame["district"]) if frame[frame["district"] == d][value].notna().any()}
        return _grouped([_period_tick(p) for p in periods], series, colours,
                        "Anmeldelser" if value == "reports" else "Pr. 1.000 indbyggere", decimals=value != "reports")
    if slug in ("offence-mix", "charges-by-category"):
        value = "reports_per_1000" if slug == "offence-mix" else "charges"
        categories = list(dict.fromkeys(frame["category"]))
        cells = frame.groupby(["district", "category"], sort=False)[value].sum(min_count=1)
        series = {d: [float(cells.get((d, c), float("nan"))) for c in categories]
                  for d in dict.fromkeys(frame["district"]) if frame[frame["district"] == d][value].notna().any()}
        return _grouped(names(categories), series, colours,
                        "Pr. 1.000 indbyggere" if value == "reports_per_1000" else "Sigtelser",
                        decimals=value != "charges")
    if slug in ("reports-share", "charges-share"):
        categories = list(dict.fromkeys(frame["category"]))
        cells = frame.groupby(["district", "category"], sort=False)["share_pct"].sum(min_count=1)
        stacks = {d: [float(cells.get((d, c), float("nan"))) for c in categories]
                  for d in dict.fromkeys(frame["district"])}
        return _stacked(names(categories), stacks, colours)
    if slug == "charged-persons-residence":
        return _residence(frame, colours, municipality_name)
    raise ValueError(f"No PDF chart for {slug}")


def _rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [polygon[0] for polygon in polygons if polygon]


def _centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Area-weighted centroid and area of a ring (shoelace), in the ring's own units."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring), 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


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
        cx, cy, _area = max((_centroid([list(project(p)) for p in ring]) for ring in rings), key=lambda c: c[2])
        labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" dominant-baseline="middle" '
                      f'font-family="DejaVu Sans" font-size="13" font-weight="bold" fill="#1a1a1a" stroke="#ffffff" '
                      f'stroke-width="3" paint-order="stroke">{escape(name)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20:.0f}" height="{height + 20:.0f}" '
            f'viewBox="0 0 {width + 20:.0f} {height + 20:.0f}">' + "".join(paths) + "".join(labels) + "</svg>")


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def chart_alt(*, slug: str, table: pd.DataFrame, category_names: dict[str, str], municipality_name: str = "") -> str:
    """What a chart shows, in words, for a reader who cannot see it (the PDF's alternative text)."""
    frame = table.copy()
    value = {"reports-by-period": "reports", "reports-per-1000": "reports_per_1000", "offence-mix": "reports_per_1000",
             "reports-share": "share_pct", "charges-by-category": "charges", "charges-share": "share_pct",
             "charged-persons-residence": "persons"}.get(slug, "reports")
    frame[value] = pd.to_numeric(frame[value], errors="coerce")
    periods = list(dict.fromkeys(frame["period"])) if "period" in frame else []
    span = (Period.parse(periods[0]).label if len(periods) == 1 else
            f"{Period.parse(periods[0]).label} til {Period.parse(periods[-1]).label}") if periods else ""
    districts = [d for d in dict.fromkeys(frame.get("district", pd.Series(dtype=str))) if d]
    decimals = 1 if value == "reports_per_1000" else 0
    unit = " %" if value == "share_pct" else ""
    if slug in ("reports-by-period", "reports-per-1000"):
        last = frame[frame["period"] == periods[-1]].groupby("district")[value].sum(min_count=1)
        what = "Anmeldelser" if slug == "reports-by-period" else "Anmeldelser pr. 1.000 indbyggere"
        values = "; ".join(f"{d} {number(last[d], decimals)}" for d in districts if d in last and last[d] == last[d])
        return (f"Søjlediagram: {what} pr. periode {span} for {join_names(districts)}. "
                f"I {Period.parse(periods[-1]).label}: {values}.")
    if slug in ("offence-mix", "charges-by-category", "reports-share", "charges-share"):
        what = {"offence-mix": "Anmeldelser pr. 1.000 indbyggere", "charges-by-category": "Sigtelser",
                "reports-share": "Hver bydels andel af anmeldelserne pr. 1.000 indbyggere",
                "charges-share": "Hver bydels andel af sigtelserne"}[slug]
        parts = []
        for category in dict.fromkeys(frame["category"]):
            rows = frame[(frame["category"] == category) & frame["district"].isin(districts)]
            cells = ", ".join(f"{d} {number(v, decimals)}{unit}" for d, v in zip(rows["district"], rows[value],
                                                                                   strict=True) if v == v)
            parts.append(f"{category_names.get(category, category)}: {cells}")
        return f"Søjlediagram: {what} pr. gerningstype og bydel, {span}. " + "; ".join(parts) + "."
    if slug == "charged-persons-residence":
        totals = frame[frame["home_district"] == ""].sort_values(value, ascending=False)
        top = "; ".join(f"{m} {number(v, 0)}" for m, v in zip(totals["home_municipality"], totals[value],
                                                                   strict=True) if v == v)
        parts, total = residence_split(frame, municipality_name)
        split = (f" Af de {number(total, 0)} med bopæl i {municipality_name} boede "
                 + join_names([f"{number(v, 0)} i {d}" for d, v in parts]) + ".") if parts else ""
        return f"Liggende søjlediagram: sigtede personer efter bopælskommune, {span}: {top}.{split}"
    return str(slug)
