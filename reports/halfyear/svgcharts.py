"""Vector charts for the PDF, drawn with matplotlib from the same tables as the web charts.

No browser is needed (the PDF must render on a server without one). Colours come from
``reports.charts.district_colours`` so a district has the same colour on screen and on paper.
"""

from __future__ import annotations

import io
import itertools
import re

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.utils.html import escape  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from reports.charts import UNKNOWN_LABEL, district_colours  # noqa: E402
from reports.periods import Period  # noqa: E402
from reports.templatetags.dk import format_dk  # noqa: E402

plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none", "svg.hashsalt": "dke",
                     "axes.spines.top": False, "axes.spines.right": False})
DK = FuncFormatter(lambda value, _pos: format_dk(value, 0))
_CHART_NUMBERS = itertools.count(1)
_SVG_REFS = re.compile(r'(\bid="|href="#|url\(#)')


def _own_ids(svg: str, prefix: str) -> str:
    """Prefix every id and reference, so several charts in one document keep distinct anchors."""
    return _SVG_REFS.sub(lambda m: f"{m.group(1)}{prefix}-", svg)


def _grouped(ax, labels: list[str], series: dict[str, list[float]], colours: dict[str, str]) -> None:
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(labels))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name or str(UNKNOWN_LABEL),
               color=colours.get(name, "#8a8a8a"))
    ax.set_xticks(x, labels)


def _period_tick(period: str) -> str:
    """Years as they are; a half-year "2. hå. 2025" (the axis has no room for "2. halvår 2025")."""
    parsed = Period.parse(period)
    return parsed.label if parsed.kind == "Y" else f"{parsed.number}. hå.\n{parsed.year}"


def residence_split(frame: pd.DataFrame, municipality_name: str) -> tuple[list[tuple[str, float]], float]:
    """Fig. 8: the municipality's own residents by home district [(district, persons)] and their total."""
    own = frame[frame["home_municipality"] == municipality_name]
    total = pd.to_numeric(own.loc[own["home_district"] == "", "persons"], errors="coerce").sum()
    parts = [(d, float(v)) for d, v in zip(own["home_district"], pd.to_numeric(own["persons"], errors="coerce"),
                                            strict=True) if d and v == v]
    return parts, float(total)


def _residence(ax, frame: pd.DataFrame, colours: dict[str, str], municipality_name: str) -> None:
    """Horizontal bars per home municipality; the municipality's own residents stacked by home district, as in
    the seed's fig. 8 (Vester 44, Lund 40, Øster 34 of Albertslund's 118)."""
    frame = frame.copy()
    frame["persons"] = pd.to_numeric(frame["persons"], errors="coerce")
    totals = frame[frame["home_district"] == ""].sort_values("persons", ascending=False)
    if len(totals) > 14:  # the largest 13 and the rest together; the table keeps every row
        rest = totals.iloc[13:]
        totals = pd.concat([totals.iloc[:13], pd.DataFrame(
            [{"home_municipality": f"Øvrige ({len(rest)} kommuner)", "persons": rest["persons"].sum()}])])
    names = list(totals["home_municipality"])[::-1]
    values = list(totals["persons"].fillna(0))[::-1]
    y = np.arange(len(names))
    parts, _total = residence_split(frame, municipality_name)
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        if name == municipality_name and parts:
            left = 0.0
            for district, persons in parts:
                ax.barh(i, persons, left=left, color=colours.get(district, "#8a8a8a"), label=district)
                if persons >= max(values) * 0.08:
                    ax.text(left + persons / 2, i, format_dk(persons, 0), ha="center", va="center", color="white",
                            fontsize=7)
                left += persons
            if value > left:  # residents whose district is unknown
                ax.barh(i, value - left, left=left, color=colours.get("", "#8a8a8a"), label=str(UNKNOWN_LABEL))
        else:
            ax.barh(i, value, color="#0072B2")
        ax.text(value, i, " " + format_dk(value, 0), va="center", fontsize=7)
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(DK)
    ax.set_xlabel("Sigtede personer")
    if parts:
        ax.legend(frameon=False, ncols=4, loc="lower right", title=f"Bopæl i {municipality_name}", fontsize=7,
                  title_fontsize=7)


def chart_svg(*, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]],
              category_names: dict[str, str], municipality_name: str = "", image_format: str = "svg") -> str | bytes:
    """The chart as SVG text, or (image_format "png") as PNG bytes at 200 dpi."""
    colours = district_colours(districts)
    fig, ax = plt.subplots(figsize=(6.6, 2.9 if slug != "charged-persons-residence" else 3.4))
    frame = table.copy()
    for column in ("reports", "reports_per_1000", "share_pct", "charges", "persons"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    periods = list(dict.fromkeys(frame["period"])) if "period" in frame else []
    names = lambda slugs: [category_names.get(s, s) for s in slugs]  # noqa: E731
    if slug in ("reports-by-period", "reports-per-1000"):
        value = "reports" if slug == "reports-by-period" else "reports_per_1000"
        grouped = frame.groupby(["district", "period"], sort=False)[value].sum(min_count=1).reset_index()
        series = {d: [grouped[(grouped["district"] == d) & (grouped["period"] == p)][value].sum()
                      for p in periods] for d in dict.fromkeys(grouped["district"])
                  if grouped[grouped["district"] == d][value].notna().any()}
        _grouped(ax, [_period_tick(p) for p in periods], series, colours)
        ax.set_ylabel("Anmeldelser" if value == "reports" else "Pr. 1.000 indbyggere")
    elif slug in ("offence-mix", "charges-by-category"):
        value = "reports_per_1000" if slug == "offence-mix" else "charges"
        categories = list(dict.fromkeys(frame["category"]))
        series = {d: [frame[(frame["district"] == d) & (frame["category"] == c)][value].sum() for c in categories]
                  for d in dict.fromkeys(frame["district"]) if frame[frame["district"] == d][value].notna().any()}
        _grouped(ax, names(categories), series, colours)
        ax.set_ylabel("Pr. 1.000 indbyggere" if value == "reports_per_1000" else "Sigtelser")
    elif slug in ("reports-share", "charges-share"):
        categories = list(dict.fromkeys(frame["category"]))
        bottom = np.zeros(len(categories))
        for district in dict.fromkeys(frame["district"]):
            values = np.array([frame[(frame["district"] == district) & (frame["category"] == c)]["share_pct"].sum()
                               for c in categories])
            ax.bar(names(categories), values, 0.6, bottom=bottom, label=district or str(UNKNOWN_LABEL),
                   color=colours.get(district, "#8a8a8a"))
            for i, v in enumerate(values):
                if v >= 6:
                    ax.text(i, bottom[i] + v / 2, f"{format_dk(v, 0)} %", ha="center", va="center", color="white",
                            fontsize=7)
            bottom += values
        ax.set_ylabel("Andel (%)")
    elif slug == "charged-persons-residence":
        _residence(ax, frame, colours, municipality_name)
    if slug != "charged-persons-residence":
        ax.yaxis.set_major_formatter(DK)
        ax.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.grid(axis="y" if slug != "charged-persons-residence" else "x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    if image_format == "png":
        raster = io.BytesIO()
        fig.savefig(raster, format="png", dpi=200)
        plt.close(fig)
        return raster.getvalue()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return _own_ids(svg[svg.index("<svg"):], f"chart{next(_CHART_NUMBERS)}")


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
        values = "; ".join(f"{d} {format_dk(last[d], decimals)}" for d in districts if d in last and last[d] == last[d])
        return (f"Søjlediagram: {what} pr. periode {span} for {join_names(districts)}. "
                f"I {Period.parse(periods[-1]).label}: {values}.")
    if slug in ("offence-mix", "charges-by-category", "reports-share", "charges-share"):
        what = {"offence-mix": "Anmeldelser pr. 1.000 indbyggere", "charges-by-category": "Sigtelser",
                "reports-share": "Hver bydels andel af anmeldelserne pr. 1.000 indbyggere",
                "charges-share": "Hver bydels andel af sigtelserne"}[slug]
        parts = []
        for category in dict.fromkeys(frame["category"]):
            rows = frame[(frame["category"] == category) & frame["district"].isin(districts)]
            cells = ", ".join(f"{d} {format_dk(v, decimals)}{unit}" for d, v in zip(rows["district"], rows[value],
                                                                                   strict=True) if v == v)
            parts.append(f"{category_names.get(category, category)}: {cells}")
        return f"Søjlediagram: {what} pr. gerningstype og bydel, {span}. " + "; ".join(parts) + "."
    if slug == "charged-persons-residence":
        totals = frame[frame["home_district"] == ""].sort_values(value, ascending=False)
        top = "; ".join(f"{m} {format_dk(v, 0)}" for m, v in zip(totals["home_municipality"], totals[value],
                                                                   strict=True) if v == v)
        parts, total = residence_split(frame, municipality_name)
        split = (f" Af de {format_dk(total, 0)} med bopæl i {municipality_name} boede "
                 + join_names([f"{format_dk(v, 0)} i {d}" for d, v in parts]) + ".") if parts else ""
        return f"Liggende søjlediagram: sigtede personer efter bopælskommune, {span}: {top}.{split}"
    return str(slug)
