"""DataFrame → Plotly figure, for every figure slug. Pure: no ORM, no HTTP.

A chart is built from exactly the table the CSV download returns, so they cannot disagree.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from .figures import FIGURES, LATE_CHARGES_NOTE, SOURCE_LINE

# Colour-blind-safe palette (Okabe–Ito, darkened for contrast on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D1F", "#555555"]
UNKNOWN_COLOUR = "#8a8a8a"
UNKNOWN_LABEL = "Ukendt bydel"
CATEGORY_NAMES: dict[str, str] = {}
AXIS = {
    "reports": "Antal anmeldelser", "reports_per_1000": "Anmeldelser pr. 1.000 indbyggere",
    "share_pct": "Andel (%)", "charges": "Antal sigtelser", "persons": "Antal sigtede personer",
}


def district_colours(districts: list[tuple[str, str]]) -> dict[str, str]:
    """name → colour: the district's own colour, else a fixed palette slot by display order."""
    colours = {name: colour or PALETTE[i % len(PALETTE)] for i, (name, colour) in enumerate(districts)}
    colours[""] = UNKNOWN_COLOUR
    return colours


def _label(district: str) -> str:
    return district or UNKNOWN_LABEL


# The look of Plotly's "simple_white" spelled out: a named template is deep-copied into every
# figure (the slowest step of a dashboard page) and sent along in each chart's JSON.
AXIS_LINES = {"showline": True, "linecolor": "#444444", "ticks": "outside", "tickcolor": "#444444", "zeroline": False}


def _layout(fig: go.Figure, *, title: str, y_title: str, note: str = "", for_print: bool = False) -> go.Figure:
    source = str(SOURCE_LINE) + (f"<br>{note}" if note else "")
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        separators=",.",  # Danish: decimal comma, thousands dot
        barmode="group",
        template="none", paper_bgcolor="white", plot_bgcolor="white", colorway=PALETTE,
        xaxis={**AXIS_LINES, "showgrid": False, "type": "category"},  # periods and names: every label shown
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 12 if for_print else 13, "color": "#1a1a1a"},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        margin={"l": 60, "r": 20, "t": 60, "b": 110},
        yaxis={**AXIS_LINES, "title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e5e5e5",
               "showgrid": True},
        annotations=[{
            "text": source, "xref": "paper", "yref": "paper", "x": 0, "y": -0.32, "showarrow": False,
            "xanchor": "left", "yanchor": "top", "align": "left", "font": {"size": 11, "color": "#4a4f55"},
        }],
        height=420,
    )
    return fig


def _category_label(slug: str, names: dict[str, str]) -> str:
    return names.get(slug, slug)


def figure_chart(
    *, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]], category_names: dict[str, str] | None = None,
    late_charges: bool = False, for_print: bool = False,
) -> go.Figure:
    """The Plotly figure for ``slug`` from its table. ``districts`` is [(name, colour)] in order."""
    spec = FIGURES[slug]
    names = category_names or {}
    colours = district_colours(districts)
    fig = go.Figure(layout={"template": "none"})  # no default template to copy
    numeric = table.copy()
    value = spec.value
    if value in numeric:
        numeric[value] = pd.to_numeric(numeric[value], errors="coerce")  # "<3" in public views → gap
    periods = list(dict.fromkeys(numeric["period"])) if "period" in numeric else []
    several_periods = len(periods) > 1
    note = str(LATE_CHARGES_NOTE) if spec.personal and late_charges else ""
    if slug in ("reports-by-period", "charges-by-category"):
        # Sum over the chosen categories per district and period; one bar group per period
        grouped = numeric.groupby(["period", "district"], sort=False)[value].sum(min_count=1).reset_index()
        if not several_periods:
            grouped = numeric.rename(columns={"category": "_x"})
        for district in dict.fromkeys(grouped["district"]):
            part = grouped[grouped["district"] == district]
            x = part["period"] if several_periods else [_category_label(c, names) for c in part["_x"]]
            fig.add_bar(name=_label(district), x=list(x), y=list(part[value]), marker_color=colours.get(district))
    elif slug == "reports-per-1000":
        for district in dict.fromkeys(numeric["district"]):
            part = numeric[numeric["district"] == district]
            if part[value].isna().all():
                continue
            fig.add_bar(name=_label(district), x=list(part["period"]), y=list(part[value]),
                        marker_color=colours.get(district), hovertemplate="%{x}: %{y:.1f}<extra>%{fullData.name}</extra>")
    elif slug == "offence-mix":
        last = numeric[numeric["period"] == periods[-1]] if periods else numeric
        for district in dict.fromkeys(last["district"]):
            part = last[last["district"] == district]
            if part[value].isna().all():
                continue
            fig.add_bar(name=_label(district), x=[_category_label(c, names) for c in part["category"]],
                        y=list(part[value]), marker_color=colours.get(district),
                        hovertemplate="%{x}: %{y:.1f}<extra>%{fullData.name}</extra>")
    elif slug in ("reports-share", "charges-share"):
        last = numeric[numeric["period"] == periods[-1]] if periods else numeric
        for district in dict.fromkeys(last["district"]):
            part = last[last["district"] == district]
            fig.add_bar(name=_label(district), x=[_category_label(c, names) for c in part["category"]],
                        y=list(part[value]), marker_color=colours.get(district),
                        text=[f"{v:.0f} %" if pd.notna(v) else "" for v in part[value]], textposition="inside",
                        hovertemplate="%{x}: %{y:.0f} %<extra>%{fullData.name}</extra>")
    elif slug == "young-charged-share":  # the whole municipality, one bar per age group and period
        totals = numeric[numeric["home_district"] == ""]
        for i, (band, part) in enumerate(totals.groupby("age_group", sort=False)):
            fig.add_bar(name=f"{band} år", x=list(part["period"]), y=list(part[value]),
                        marker_color=PALETTE[i % len(PALETTE)], hovertemplate="%{x}: %{y:.1f} %<extra>%{fullData.name}</extra>")
    elif slug == "charged-persons-residence":
        last = numeric[numeric["period"] == periods[-1]] if periods else numeric
        own = last[last["home_district"] != ""]
        totals = last[last["home_district"] == ""]
        labels = list(totals["home_municipality"])
        # horizontal, as in the published report: dozens of municipality names stay readable
        fig.add_bar(name="Sigtede personer", y=labels, x=list(totals[value]), marker_color=PALETTE[0],
                    orientation="h", hovertemplate="%{y}: %{x}<extra></extra>")
        for district in own["home_district"]:
            row = own[own["home_district"] == district]
            fig.add_bar(name=f"{row['home_municipality'].iloc[0]} – {district}", orientation="h",
                        y=[row["home_municipality"].iloc[0]], x=list(row[value]), marker_color=colours.get(district),
                        visible="legendonly")
    title = f"Figur {spec.number}. {spec.title}" if spec.number else str(spec.title)
    if not several_periods and periods:
        title += f" ({periods[0]})"
    elif slug in ("offence-mix", "reports-share", "charges-share", "charged-persons-residence") and periods:
        title += f" ({periods[-1]})"
    _layout(fig, title=title, y_title=AXIS.get(value, value), note=note, for_print=for_print)
    if slug in ("reports-share", "charges-share"):
        fig.update_layout(barmode="stack")  # 100 % per category
    if slug == "charged-persons-residence":
        rows = len(fig.data[0].y) if fig.data else 0
        height = max(420, 210 + 22 * rows)
        plot = height - 60 - 150  # the legend and the source line sit a fixed number of pixels below the axis
        fig.update_layout(
            height=height, margin={"l": 170, "b": 150}, legend={"y": -60 / plot},
            annotations=[{**fig.layout.annotations[0].to_plotly_json(), "y": -105 / plot}],
            xaxis={"type": "linear", "title": {"text": AXIS.get(value, value)}, "showgrid": True,
                   "gridcolor": "#e5e5e5", "rangemode": "tozero"},
            yaxis={"type": "category", "autorange": "reversed", "title": {"text": ""}, "showgrid": False},
        )
    return fig


def plotly_data(fig: go.Figure) -> dict:
    """The figure as plain data for the page, with NaN and infinity as null.

    A missing rate or a suppressed cell is NaN in the chart; JSON has no NaN, and a page whose
    chart data holds one cannot parse it, so the chart would not be drawn at all.
    """
    return _strict(fig.to_plotly_json())


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


def chart_values(fig: go.Figure) -> dict[str, list]:
    """trace name → the values drawn (y, or x for horizontal bars), for tests comparing a chart with its download."""
    return {trace.name: list(trace.x if trace.orientation == "h" else trace.y) for trace in fig.data}


RAMP = ((222, 235, 247), (8, 48, 107))  # light to dark blue: sequential, readable for colour-blind users


def _colour(value: float | None, low: float, high: float) -> str:
    """The colour of ``value`` on the ramp from ``low`` to ``high``; grey for missing."""
    if value is None or value != value:
        return "#d9d9d9"
    t = 0.0 if high == low else (value - low) / (high - low)
    start, end = RAMP
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))


def polygon_map(*, features: list[tuple[str, dict, float | None]], title: str, height: int = 480) -> go.Figure:
    """Filled polygons on plain axes (WGS84, aspect corrected): a map without tiles or CDN."""
    values = [v for _n, _g, v in features if v is not None and v == v]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    fig = go.Figure(layout={"template": "none"})  # no default template to copy
    for name, geometry, value in features:
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        xs: list = []
        ys: list = []
        for polygon in polygons:
            ring = polygon[0]
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        label = f"{name}: {value:.1f}".replace(".", ",") if value is not None and value == value else f"{name}: –"
        fig.add_scatter(x=xs, y=ys, fill="toself", mode="lines", line={"color": "#ffffff", "width": 0.6},
                        fillcolor=_colour(value, low, high), name=name, text=label, hoverinfo="text",
                        showlegend=False)
    if values:  # the colour key: an invisible marker trace that carries the ramp's colour bar
        fig.add_scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                        marker={"color": [low, high], "cmin": low, "cmax": high, "showscale": True,
                                "colorscale": [[0, _colour(low, low, high)], [1, _colour(high, low, high)]],
                                "colorbar": {"title": {"text": "Pr. 1.000"}, "thickness": 12, "len": 0.6,
                                             "separatethousands": True}})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.8)  # 1/cos(56°): degrees to distances
    fig.update_layout(title=title, template="simple_white", height=height, margin={"l": 0, "r": 0, "t": 40, "b": 0},
                      separators=",.")
    return fig
