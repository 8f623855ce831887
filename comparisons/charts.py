"""Charts (plain Plotly data, see ``reports.charts``) for the comparison and indicator pages, from their tables."""

from __future__ import annotations

import json
import textwrap
from functools import lru_cache

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from reports.charts import PALETTE, Chart, band, base_layout, merged, polygon_map, rgba, source_note
from reports.figures import SOURCE_LINE
from reports.periods import Period

from .indicators import period_name

OWN_COLOUR = "#0b5394"
COUNTRY_COLOUR = "#555555"
MEMBER_COLOUR = "#9a9a9a"
TITLE_WIDTH = 34  # characters of a chart title per line: what a 390 px wide phone shows at Plotly's title size
TITLE_LINE_PX = 24  # a title line's height at that size


def _end_label(x: list, y: list, text: str, colour: str) -> dict | None:
    """A line's name at its last point, so no line needs the legend to be read."""
    last = next((i for i in range(len(y) - 1, -1, -1) if y[i] is not None and y[i] == y[i]), None)
    if last is None:
        return None
    # a category axis places an annotation by the category's index: its text ("2016") would be read as index 2016
    # named "end-label": on a small screen static/js/chart-fit.js leaves these to the legend
    return {"name": "end-label", "x": last, "y": y[last], "text": text, "showarrow": False, "xanchor": "left", "xshift": 8,
            "font": {"color": colour, "size": 12}, "xref": "x", "yref": "y"}


def comparison_chart(*, table: pd.DataFrame, summary: pd.DataFrame, municipality_code: str, category: str,
                     title: str, singles: list[str], groups: list[tuple[str, list[str]]],
                     show_members: bool = False) -> Chart:
    """One offence group: the municipality (thick, labelled), each group's median with its range as a band
    (the members on demand, as one legend entry), single peers and the country as thin labelled lines."""
    part = table[table["category"] == category]
    periods = list(dict.fromkeys(part["period"]))
    rates = {(c, p): (None if r is None or r != r else float(r)) for c, p, r in zip(
        part["municipality_code"], part["period"], part["reports_per_1000"], strict=True)}
    names = dict(zip(part["municipality_code"], part["municipality"], strict=True))

    def series(code: str) -> list:
        return [rates.get((code, p)) for p in periods]

    def name(code: str) -> str:
        return str(names.get(code, code))

    data: list[dict] = []
    labels: list[dict | None] = []
    own = series(municipality_code)
    if "rate_ci_low" in part:  # "Vis usikkerhed": the municipality's 95 % interval as a band under its line
        mine = part[part["municipality_code"] == municipality_code]
        shade = band(x=list(mine["period"]), low=list(mine["rate_ci_low"]), high=list(mine["rate_ci_high"]),
                     colour=OWN_COLOUR, name=name(municipality_code))
        data += [shade] if shade else []
    data.append({"type": "scatter", "x": periods, "y": own, "name": name(municipality_code), "mode": "lines+markers",
                 "legendgroup": name(municipality_code), "line": {"width": 4, "color": OWN_COLOUR},
                 "hovertemplate": "%{x}: %{y:.1f}<extra>%{fullData.name}</extra>"})
    labels.append(_end_label(periods, own, name(municipality_code), OWN_COLOUR))
    for i, (group, members) in enumerate(groups):
        colour = PALETTE[(i + 1) % len(PALETTE)]
        rows = summary[(summary["group"] == group) & (summary["category"] == category)]
        cells = {(p, column): v for column in ("median", "low", "high")
                 for p, v in zip(rows["period"], rows[column], strict=True)}

        def value(column: str, cells=cells) -> list:
            values = [cells.get((p, column)) for p in periods]
            return [None if v is None or v != v else float(v) for v in values]

        band_name = _("%(group)s: laveste–højeste") % {"group": group}
        data.append({"type": "scatter", "x": periods, "y": value("low"), "mode": "lines", "line": {"width": 0},
                     "legendgroup": band_name, "showlegend": False, "name": band_name,
                     "hovertemplate": "%{x}: " + str(_("laveste")) + " %{y:.1f}<extra>" + group + "</extra>"})
        data.append({"type": "scatter", "x": periods, "y": value("high"), "mode": "lines", "line": {"width": 0},
                     "fill": "tonexty", "fillcolor": rgba(colour, 0.18), "legendgroup": band_name, "name": band_name,
                     "hovertemplate": "%{x}: " + str(_("højeste")) + " %{y:.1f}<extra>" + group + "</extra>"})
        median_name = _("%(group)s (median)") % {"group": group}
        median = value("median")
        data.append({"type": "scatter", "x": periods, "y": median, "mode": "lines+markers", "name": median_name,
                     "line": {"width": 2.5, "color": colour, "dash": "dash"},
                     "hovertemplate": "%{x}: %{y:.1f}<extra>%{fullData.name}</extra>"})
        labels.append(_end_label(periods, median, median_name, colour))
        xs: list = []
        ys: list = []
        texts: list = []
        for code in members:
            if code == municipality_code:
                continue
            xs += [*periods, None]
            ys += [*series(code), None]
            texts += [name(code)] * len(periods) + [None]
        data.append({"type": "scatter", "x": xs, "y": ys, "text": texts, "mode": "lines",
                     "name": _("%(group)s: de enkelte kommuner") % {"group": group},
                     "line": {"width": 1, "color": MEMBER_COLOUR}, "visible": True if show_members else "legendonly",
                     "hovertemplate": "%{text} %{x}: %{y:.1f}<extra></extra>"})
    for i, code in enumerate(singles):
        country = code == "000"
        colour = COUNTRY_COLOUR if country else PALETTE[(len(groups) + i + 1) % len(PALETTE)]
        values = series(code)
        data.append({"type": "scatter", "x": periods, "y": values, "name": name(code), "mode": "lines+markers",
                     "line": {"width": 2 if country else 1.8, "color": colour, "dash": "dot" if country else "solid"},
                     "hovertemplate": "%{x}: %{y:.1f}<extra>%{fullData.name}</extra>"})
        labels.append(_end_label(periods, values, name(code), colour))
    # the lines are named at their ends; the legend below (two rows at most) and the source fit in the height
    layout = merged(base_layout(title=title, height=500, y_title=_("Pr. 1.000 indbyggere")), {
        "legend": {"orientation": "h", "x": 0, "y": -0.2, "xanchor": "left", "yanchor": "top"},
        "margin": {"r": 230, "b": 160, "t": 60},
        "annotations": [a for a in labels if a] + [source_note(str(SOURCE_LINE), y=-0.5)],
    })
    return {"data": data, "layout": layout}


@lru_cache(maxsize=1)
def municipality_geojson() -> dict:
    path = settings.BASE_DIR / "fixtures" / "municipalities.geojson"
    return json.loads(path.read_text(encoding="utf-8"))


def comparison_map(*, table: pd.DataFrame, municipality_code: str, peers: list[str], title: str) -> Chart:
    """All municipalities coloured by rate, the municipality and its peers outlined. Drawn as filled shapes:
    no tile server, no CDN."""
    values = {code: None if v is None or v != v else float(v)
              for code, v in zip(table["municipality_code"], table["reports_per_1000"], strict=True)}
    names = dict(zip(table["municipality_code"], table["municipality"], strict=True))
    features = municipality_geojson()["features"]
    chart = polygon_map(features=[(names.get(f["properties"]["code"], f["properties"]["name"]), f["geometry"],
                                   values.get(f["properties"]["code"])) for f in features], title=title, height=620,
                        names=False)  # 98 names would hide the map; the municipality is outlined and named
    outlines = [(_("Sammenligningskommuner"), [c for c in peers if c != municipality_code], "#D55E00", 2),
                (names.get(municipality_code, municipality_code), [municipality_code], "#000000", 3.5)]
    for label, codes, colour, width in outlines:
        xs: list = []
        ys: list = []
        for feature in features:
            if feature["properties"]["code"] not in codes:
                continue
            geometry = feature["geometry"]
            for polygon in geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]:
                xs += [p[0] for p in polygon[0]] + [None]
                ys += [p[1] for p in polygon[0]] + [None]
        if xs:
            chart["data"].append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": label,
                                  "line": {"color": colour, "width": width}, "hoverinfo": "skip", "showlegend": True})
    own = [f for f in features if f["properties"]["code"] == municipality_code]
    if own:
        geometry = own[0]["geometry"]
        ring = (geometry["coordinates"][0] if geometry["type"] == "MultiPolygon" else geometry["coordinates"])[0]
        x = sum(p[0] for p in ring) / len(ring)
        y = max(p[1] for p in ring)
        chart["layout"]["annotations"] = [{"x": x, "y": y, "text": f"<b>{names.get(municipality_code, '')}</b>",
                                           "showarrow": True, "arrowhead": 0, "ax": 40, "ay": -30,
                                           "bgcolor": "rgba(255,255,255,0.85)"}]
    chart["layout"]["legend"] = {"orientation": "h", "x": 0, "y": 0, "yanchor": "bottom"}
    return chart


def period_axis(periods: list[str]) -> tuple[list[str], dict]:
    """Readable period labels for a category x-axis, and the axis: years as they are; half-years as
    "1. halvår 2016" (shown on hover) with one tick per year at its first half, so no label is rotated into
    the legend or cut."""
    parsed = [Period.parse(p) for p in periods]
    labels = [period_name(p) for p in parsed]
    axis: dict = {"type": "category", "automargin": True}
    if any(p.kind != "Y" for p in parsed):
        years = sorted({p.year for p in parsed})
        step = 1 if len(years) <= 6 else 2  # a phone holds about six year labels side by side
        first_of_year = {p.year: period_name(p) for p in reversed(parsed)}
        ticks = [(first_of_year[y], str(y)) for y in years if (y - years[0]) % step == 0]
        axis.update({"tickmode": "array", "tickvals": [t for t, _y in ticks], "ticktext": [y for _t, y in ticks],
                     "tickangle": 0, "title": {"text": _("Halvår (mærket ved årets første)")}})
    return labels, axis


def legend_on_top(layout: dict) -> dict:
    """A horizontal legend between the title and the plot: it never meets the axis labels below. The title is
    wrapped onto lines a phone holds (Plotly cuts a title wider than the chart)."""
    lines = textwrap.wrap(str(layout["title"]["text"] or ""), width=TITLE_WIDTH) or [""]
    # Plotly sets a title's first line at its anchor and the others below it: the padding above the legend's
    # row grows with the lines, and the top margin holds them all
    extra = TITLE_LINE_PX * (len(lines) - 1)
    return merged(layout, {"legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
                           "margin": {"t": 80 + TITLE_LINE_PX * len(lines), "l": 60, "r": 20},
                           "title": {"text": "<br>".join(lines), "yref": "paper", "y": 1, "yanchor": "bottom",
                                     "pad": {"b": 36 + extra}}})


def indicator_chart(row: dict) -> Chart:
    """The measure per period and the straight line from baseline to target, on one period axis."""
    indicator = row["indicator"]
    periods = [p for p, _v in sorted(((Period.parse(p), v) for p, v in row["series"].items()), key=lambda pv: pv[0])]
    line = dict(row["line"])
    every = sorted({*periods, *(Period.parse(p) for p in line)})
    labels, axis = period_axis([str(p) for p in every])
    label = dict(zip(every, labels, strict=True))
    data = [
        {"type": "scatter", "x": [label[p] for p in periods], "y": [row["series"][str(p)] for p in periods],
         "name": _("Måling"), "mode": "lines+markers", "line": {"color": "#0b5394", "width": 3},
         "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"},
        {"type": "scatter", "x": [label[Period.parse(p)] for p in line], "y": list(line.values()),
         "name": _("Linje mod målet"), "mode": "lines", "line": {"color": "#D55E00", "dash": "dash"},
         "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"},
    ]
    layout = base_layout(title=indicator.name, height=360, y_title=indicator.unit)
    layout["xaxis"] = {**layout["xaxis"], **axis, "categoryorder": "array", "categoryarray": labels}
    return {"data": data, "layout": legend_on_top(layout)}
