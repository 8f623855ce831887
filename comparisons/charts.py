"""Charts (plain Plotly data, see ``reports.charts``) for the comparison and indicator pages, from their tables."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from reports.charts import PALETTE, Chart, band, base_layout, merged, source_note
from reports.figures import SOURCE_LINE


def comparison_chart(*, table: pd.DataFrame, municipality_code: str) -> Chart:
    data = []
    for i, (code, part) in enumerate(table.groupby("municipality_code", sort=False)):
        own = code == municipality_code
        colour = "#0b5394" if own else PALETTE[(i + 1) % len(PALETTE)]
        if "rate_ci_low" in part:  # "Vis usikkerhed": the 95 % interval as a band under the line
            shade = band(x=list(part["period"]), low=list(part["rate_ci_low"]), high=list(part["rate_ci_high"]),
                         colour=colour, name=part["municipality"].iloc[0])
            data += [shade] if shade else []
        data.append({"type": "scatter", "x": list(part["period"]), "y": list(part["reports_per_1000"]),
                     "name": part["municipality"].iloc[0], "mode": "lines+markers", "legendgroup": part["municipality"].iloc[0],
                     "line": {"width": 4 if own else 1.5, "color": colour,
                              "dash": "dash" if code == "000" else "solid"},
                     "hovertemplate": "%{x}: %{y:.1f}<extra>%{fullData.name}</extra>"})
    layout = merged(base_layout(title=_("Anmeldte forbrydelser pr. 1.000 indbyggere"), height=440,
                                y_title=_("Pr. 1.000 indbyggere")), {
        # one legend entry per municipality: a column to the right never runs into the source line
        "legend": {"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "tracegroupgap": 0},
        "annotations": [source_note(str(SOURCE_LINE), y=-0.16)],
    })
    return {"data": data, "layout": layout}


@lru_cache(maxsize=1)
def municipality_geojson() -> dict:
    path = settings.BASE_DIR / "fixtures" / "municipalities.geojson"
    return json.loads(path.read_text(encoding="utf-8"))


def comparison_map(*, table: pd.DataFrame) -> Chart:
    """All municipalities coloured by rate. Drawn as filled shapes: no tile server, no CDN."""
    from reports.charts import polygon_map

    values = dict(zip(table["municipality_code"], table["reports_per_1000"], strict=True))
    names = dict(zip(table["municipality_code"], table["municipality"], strict=True))
    features = [(names.get(f["properties"]["code"], f["properties"]["name"]), f["geometry"],
                 values.get(f["properties"]["code"])) for f in municipality_geojson()["features"]]
    return polygon_map(features=features, title=_("Kort: anmeldte forbrydelser pr. 1.000 indbyggere"), height=620)


def indicator_chart(row: dict) -> Chart:
    indicator = row["indicator"]
    years = sorted(row["series"])
    data = [
        {"type": "scatter", "x": years, "y": [row["series"][y] for y in years], "name": _("Måling"),
         "mode": "lines+markers", "line": {"color": "#0b5394", "width": 3}},
        {"type": "scatter", "x": [y for y, _v in row["line"]], "y": [v for _y, v in row["line"]],
         "name": _("Linje mod målet"), "mode": "lines", "line": {"color": "#D55E00", "dash": "dash"}},
    ]
    layout = merged(base_layout(title=indicator.name, height=340, y_title=indicator.unit, x_type="-"),
                    {"legend": {"orientation": "h", "y": -0.25}})
    return {"data": data, "layout": layout}
