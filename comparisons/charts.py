"""Plotly figures for the comparison and indicator pages, from their tables."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from django.conf import settings

from reports.charts import PALETTE
from reports.figures import SOURCE_LINE


def comparison_chart(*, table: pd.DataFrame, municipality_code: str) -> go.Figure:
    fig = go.Figure()
    for i, (code, part) in enumerate(table.groupby("municipality_code", sort=False)):
        own = code == municipality_code
        fig.add_scatter(x=list(part["period"]), y=list(part["reports_per_1000"]), name=part["municipality"].iloc[0],
                        mode="lines+markers", line={"width": 4 if own else 1.5,
                                                    "color": "#0b5394" if own else PALETTE[(i + 1) % len(PALETTE)],
                                                    "dash": "dash" if code == "000" else "solid"},
                        hovertemplate="%{x}: %{y:.1f}<extra>%{fullData.name}</extra>")
    fig.update_layout(title="Anmeldte forbrydelser pr. 1.000 indbyggere", separators=",.", template="simple_white",
                      height=440, yaxis={"title": "Pr. 1.000 indbyggere", "rangemode": "tozero"},
                      # one legend entry per municipality: a column to the right never runs into the source line
                      legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left"},
                      xaxis={"type": "category"},
                      annotations=[{"text": str(SOURCE_LINE), "xref": "paper", "yref": "paper", "x": 0, "y": -0.16,
                                    "showarrow": False, "xanchor": "left", "yanchor": "top",
                                    "font": {"size": 11, "color": "#4a4f55"}}])
    return fig


@lru_cache(maxsize=1)
def municipality_geojson() -> dict:
    path = settings.BASE_DIR / "fixtures" / "municipalities.geojson"
    return json.loads(path.read_text(encoding="utf-8"))


def comparison_map(*, table: pd.DataFrame) -> go.Figure:
    """All municipalities coloured by rate. Drawn as filled shapes: no tile server, no CDN."""
    from reports.charts import polygon_map

    values = dict(zip(table["municipality_code"], table["reports_per_1000"], strict=True))
    names = dict(zip(table["municipality_code"], table["municipality"], strict=True))
    features = [(names.get(f["properties"]["code"], f["properties"]["name"]), f["geometry"],
                 values.get(f["properties"]["code"])) for f in municipality_geojson()["features"]]
    return polygon_map(features=features, title="Kort: anmeldte forbrydelser pr. 1.000 indbyggere", height=620)


def indicator_chart(row: dict) -> go.Figure:
    indicator = row["indicator"]
    years = sorted(row["series"])
    fig = go.Figure()
    fig.add_scatter(x=years, y=[row["series"][y] for y in years], name="Måling", mode="lines+markers",
                    line={"color": "#0b5394", "width": 3})
    fig.add_scatter(x=[y for y, _v in row["line"]], y=[v for _y, v in row["line"]], name="Linje mod målet",
                    mode="lines", line={"color": "#D55E00", "dash": "dash"})
    fig.update_layout(title=indicator.name, separators=",.", template="simple_white", height=340,
                      yaxis={"title": indicator.unit, "rangemode": "tozero"}, legend={"orientation": "h", "y": -0.25})
    return fig
