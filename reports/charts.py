"""The pieces of every Plotly chart: palette, layout, bars, error bars, bands, the map. Pure: no ORM, no HTTP.

Each figure draws its own chart from these (``reports.figures``), from exactly the table the CSV download
returns, so they cannot disagree.
"""

from __future__ import annotations

import math

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import number

from .uncertainty import count_interval

SOURCE_LINE = gettext_lazy("Kilde: politiets anmeldelsesstatistik og Danmarks Statistik, egne beregninger.")
LATE_CHARGES_NOTE = gettext_lazy(
    "Bemærk: sigtelser registreres ofte længe efter anmeldelsen, så de seneste 12 måneder er "
    "undervurderet."
)

# Colour-blind-safe palette (Okabe–Ito, darkened for contrast on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D1F", "#555555"]
UNKNOWN_COLOUR = "#8a8a8a"
UNKNOWN_LABEL = gettext_lazy("Ukendt bydel")
CATEGORY_NAMES: dict[str, str] = {}
AXIS = {
    "reports": gettext_lazy("Antal anmeldelser"), "reports_per_1000": gettext_lazy("Anmeldelser pr. 1.000 indbyggere"),
    "share_pct": gettext_lazy("Andel (%)"), "charges": gettext_lazy("Antal sigtelser"),
    "persons": gettext_lazy("Antal sigtede personer"),
}


def district_colours(districts: list[tuple[str, str]]) -> dict[str, str]:
    """name → colour: the district's own colour, else a fixed palette slot by display order."""
    colours = {name: colour or PALETTE[i % len(PALETTE)] for i, (name, colour) in enumerate(districts)}
    colours[""] = UNKNOWN_COLOUR
    return colours


def district_label(district: str) -> str:
    return district or str(UNKNOWN_LABEL)


# A chart is plain data, {"data": [trace, ...], "layout": {...}}: exactly what plotly.js draws
# (Plotly.newPlot(element, data, layout)), built without Plotly's Python object model. That model
# validates every property and copies a template into each figure, which was the slowest step of a
# dashboard page. The tests check every chart against Plotly's schema instead (go.Figure(chart)).
Chart = dict

AXIS_LINES = {"showline": True, "linecolor": "#444444", "ticks": "outside", "tickcolor": "#444444", "zeroline": False}


def merged(base: dict, updates: dict) -> dict:
    """``base`` with ``updates`` merged in, nested dicts key by key (as Plotly's update_layout does)."""
    result = dict(base)
    for key, value in updates.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) else value
    return result


def base_layout(*, title: str, height: int, y_title: str = "", x_type: str = "category", for_print: bool = False) -> dict:
    """Our look on white (Plotly's "simple_white" spelled out), Danish number separators.

    ``x_type`` "category" shows every period or name as given; "-" lets Plotly choose (years as numbers).
    """
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "separators": ",.",  # Danish: decimal comma, thousands dot
        "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": PALETTE,
        "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 12 if for_print else 13, "color": "#1a1a1a"},
        "xaxis": {**AXIS_LINES, "showgrid": False, "type": x_type},
        "yaxis": {**AXIS_LINES, "title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e5e5e5",
                  "showgrid": True},
        "height": height,
    }


def source_note(text: str, *, y: float) -> dict:
    """The source line under a chart, as a paper annotation (named "source": on a page, static/js/chart-fit.js moves
    it into a paragraph under the chart, where it never overlaps the legend and screen readers read it)."""
    return {"name": "source", "text": text, "xref": "paper", "yref": "paper", "x": 0, "y": y, "showarrow": False,
            "xanchor": "left", "yanchor": "top", "align": "left", "font": {"size": 11, "color": "#4a4f55"}}


def figure_layout(*, title: str, y_title: str, note: str = "", for_print: bool = False) -> dict:
    source = str(SOURCE_LINE) + (f"<br>{note}" if note else "")
    return {
        **base_layout(title=title, height=420, y_title=y_title, for_print=for_print),
        "barmode": "group",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 110},
        "annotations": [source_note(source, y=-0.32)],
    }


def category_label(slug: str, names: dict[str, str]) -> str:
    return names.get(slug, slug)


def bar(*, name: str, x, y, colour: str | None, **more) -> dict:
    return {"type": "bar", "name": name, "x": list(x), "y": list(y), "marker": {"color": colour}, **more}


# The interval columns of a chart's value column (reports.uncertainty.with_intervals).
INTERVAL_OF = {"reports_per_1000": "rate", "persons_per_1000": "rate", "share_pct": "share"}


def error_bars(part: pd.DataFrame, value: str) -> dict:
    """``error_y`` of a bar trace drawn from ``part``: its rows' 95 % intervals, when the table has them."""
    prefix = INTERVAL_OF.get(value, value)
    low_column, high_column = f"{prefix}_ci_low", f"{prefix}_ci_high"
    if low_column not in part:
        return {}
    y = pd.to_numeric(part[value], errors="coerce").to_numpy(dtype=float)
    low = pd.to_numeric(part[low_column], errors="coerce").to_numpy(dtype=float)
    high = pd.to_numeric(part[high_column], errors="coerce").to_numpy(dtype=float)
    return {"error_y": _error_y(y, low, high)}


def _error_y(y, low, high) -> dict:
    return {"type": "data", "symmetric": False, "array": list(high - y), "arrayminus": list(y - low),
            "color": "#1a1a1a", "thickness": 1.2, "width": 3}


def rgba(hex_colour: str, alpha: float) -> str:
    """A "#rrggbb" colour made see-through: Plotly's "rgba(r,g,b,alpha)"."""
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def band(*, x, low, high, colour: str, name: str) -> dict | None:
    """A shaded 95 % band under a line (drawn before it): the polygon along the upper bounds and back along the
    lower ones; periods without an interval are left out. None when no period has one."""
    points = [(xi, lo, hi) for xi, lo, hi in zip(x, low, high, strict=True)
              if lo is not None and hi is not None and lo == lo and hi == hi]
    if not points:
        return None
    xs = [p[0] for p in points]
    return {"type": "scatter", "x": xs + xs[::-1], "y": [p[2] for p in points] + [p[1] for p in points][::-1],
            "fill": "toself", "fillcolor": rgba(colour, 0.15), "line": {"width": 0},
            "mode": "lines", "hoverinfo": "skip", "showlegend": False, "legendgroup": name,
            "name": _("%(name)s, 95 %%-interval") % {"name": name}}


def summed_error_bars(counts: pd.Series) -> dict:
    """``error_y`` of summed counts (a district's categories together): the exact interval of the sum."""
    y = pd.to_numeric(counts, errors="coerce").to_numpy(dtype=float)
    low, high = count_interval(y)
    return {"error_y": _error_y(y, low, high)}


def category_bars(numeric: pd.DataFrame, *, value: str, several_periods: bool, colours: dict[str, str],
                  names: dict[str, str]) -> list[dict]:
    """Counts by district and category (figs. 2 and 6): over several periods the categories summed per district and
    period, one bar group per period; for one period a bar group per category."""
    grouped = numeric.groupby(["period", "district"], sort=False)[value].sum(min_count=1).reset_index()
    # a sum with a hidden cell (public views) is drawn as before, but gets no interval
    grouped["_complete"] = numeric.groupby(["period", "district"], sort=False)[value].count().to_numpy() == \
        numeric.groupby(["period", "district"], sort=False)[value].size().to_numpy()
    if not several_periods:
        grouped = numeric.rename(columns={"category": "_x"})
    with_intervals = f"{value}_ci_low" in numeric
    data = []
    for district in dict.fromkeys(grouped["district"]):
        part = grouped[grouped["district"] == district]
        x = part["period"] if several_periods else [category_label(c, names) for c in part["_x"]]
        bars = {} if not with_intervals else summed_error_bars(part[value].where(part["_complete"])) if several_periods else \
            error_bars(part, value)
        data.append(bar(name=district_label(district), x=x, y=part[value], colour=colours.get(district), **bars))
    return data


def share_bars(last: pd.DataFrame, *, value: str, colours: dict[str, str], names: dict[str, str]) -> list[dict]:
    """Each district's share per category, stacked to 100 % (figs. 5 and 7; the layout's barmode "stack")."""
    data = []
    for district in dict.fromkeys(last["district"]):
        part = last[last["district"] == district]
        data.append(bar(name=district_label(district), x=[category_label(c, names) for c in part["category"]],
                        y=part[value], colour=colours.get(district),
                        text=[f"{v:.0f} %" if pd.notna(v) else "" for v in part[value]], textposition="inside",
                        hovertemplate="%{x}: %{y:.0f} %<extra>%{fullData.name}</extra>"))
    return data


def plotly_data(chart: Chart) -> dict:
    """The chart as strict JSON data for the page: numpy values as Python numbers, NaN and infinity as null.

    A missing rate or a suppressed cell is NaN in the chart; JSON has no NaN, and a page whose
    chart data holds one cannot parse it, so the chart would not be drawn at all.
    """
    return _strict(chart)


def _strict(value):
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _strict(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def chart_values(chart: Chart) -> dict[str, list]:
    """trace name → the values drawn (y, or x for horizontal bars), for tests comparing a chart with its download."""
    return {trace["name"]: list(trace["x"] if trace.get("orientation") == "h" else trace["y"]) for trace in chart["data"]}


RAMP = ((222, 235, 247), (8, 48, 107))  # light to dark blue: sequential, readable for colour-blind users


def _colour(value: float | None, low: float, high: float) -> str:
    """The colour of ``value`` on the ramp from ``low`` to ``high``; grey for missing."""
    if value is None or value != value:
        return "#d9d9d9"
    t = 0.0 if high == low else (value - low) / (high - low)
    start, end = RAMP
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    def channel(c: int) -> float:
        c_ = c / 255
        return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(fill: str) -> str:
    """Dark text on a light fill, white on a dark one: whichever reads better."""
    return "#ffffff" if contrast("#ffffff", fill) > contrast("#1a1a1a", fill) else "#1a1a1a"


def ring_centroid(ring: list) -> tuple[float, float, float]:
    """Area-weighted centroid and area of a ring (shoelace), in the ring's own units; a ring without area gives
    the mean of its points and area 0."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring), 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


def label_point(polygons: list) -> tuple[float, float]:
    """Where a shape's name goes: the area-weighted centre of its largest outer ring."""
    x, y, _area = max((ring_centroid(polygon[0]) for polygon in polygons), key=lambda c: c[2])
    return x, y


def polygon_map(*, features: list[tuple[str, dict, float | None]], title: str, height: int = 480,
                names: bool = True) -> Chart:
    """Filled polygons on plain axes (WGS84, aspect corrected): a map without tiles or CDN. ``names``: each shape
    named at its centre, in black or white, whichever contrasts more with its fill."""
    values = [v for _n, _g, v in features if v is not None and v == v]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    data: list[dict] = []
    labels: dict[str, list] = {"x": [], "y": [], "text": [], "colour": []}
    for name, geometry, value in features:
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        x, y = label_point(polygons)
        for key, item in (("x", x), ("y", y), ("text", name), ("colour", text_colour(_colour(value, low, high)))):
            labels[key].append(item)
        xs: list = []
        ys: list = []
        for polygon in polygons:
            ring = polygon[0]
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        label = f"{name}: {number(value, 1)}" if value is not None and value == value else f"{name}: –"
        data.append({"type": "scatter", "x": xs, "y": ys, "fill": "toself", "mode": "lines",
                     "line": {"color": "#ffffff", "width": 0.6}, "fillcolor": _colour(value, low, high), "name": name,
                     "text": label, "hoverinfo": "text", "showlegend": False})
    if names and features:
        data.append({"type": "scatter", "x": labels["x"], "y": labels["y"], "text": labels["text"], "mode": "text",
                     "textfont": {"color": labels["colour"], "size": 13, "weight": "bold"}, "hoverinfo": "skip",
                     "showlegend": False})
    if values:  # the colour key: an invisible marker trace that carries the ramp's colour bar
        data.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "hoverinfo": "skip",
                     "showlegend": False,
                     "marker": {"color": [low, high], "cmin": low, "cmax": high, "showscale": True,
                                "colorscale": [[0, _colour(low, low, high)], [1, _colour(high, low, high)]],
                                "colorbar": {"title": {"text": _("Pr. 1.000")}, "thickness": 12, "len": 0.6,
                                             "separatethousands": True, "outlinewidth": 1, "ticks": "outside"}}})
    layout = {
        **base_layout(title=title, height=height),
        # plain numeric axes around the shapes (no category axis, no zero in the range), not drawn
        "xaxis": {"visible": False},
        "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1.8},  # 1/cos(56°): degrees to distances
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
    }
    return {"data": data, "layout": layout}
