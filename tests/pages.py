"""Helpers for tests that read rendered pages."""

from __future__ import annotations

import json
import re


def json_blocks(page: str) -> list:
    """Every application/json block of a page, parsed as strictly as a browser does (no NaN)."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON: the browser cannot parse this chart")

    blocks = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', page, flags=re.S)
    return [json.loads(b, parse_constant=refuse) for b in blocks]


def page_charts(page: str) -> list[dict]:
    """The page's charts, each checked against Plotly's schema.

    Charts are built as plain data (``reports.charts``); Plotly's figure class refuses any
    property, value or trace type that plotly.js does not know, so a typo cannot reach a page.
    """
    import plotly.graph_objects as go

    charts = json_blocks(page)
    for chart in charts:
        assert set(chart) == {"data", "layout"}, chart.keys()
        go.Figure(chart)  # raises ValueError naming the bad property
    return charts


def without_tokens(page: str) -> str:
    """The page without its per-response values (CSRF token, CSP nonce), to compare two renderings."""
    return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', "", page)
