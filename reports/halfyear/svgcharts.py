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
from matplotlib.ticker import FuncFormatter  # noqa: E402

from reports.charts import UNKNOWN_LABEL, district_colours  # noqa: E402
from reports.templatetags.dk import format_dk  # noqa: E402

plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "path",
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


def chart_svg(*, slug: str, table: pd.DataFrame, districts: list[tuple[str, str]],
              category_names: dict[str, str]) -> str:
    colours = district_colours(districts)
    fig, ax = plt.subplots(figsize=(6.6, 2.9))
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
        _grouped(ax, [str(p) for p in periods], series, colours)
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
        totals = frame[frame["home_district"] == ""].sort_values("persons", ascending=False)
        if len(totals) > 14:  # the largest 13 and the rest together; the table keeps every row
            rest = totals.iloc[13:]
            totals = pd.concat([totals.iloc[:13], pd.DataFrame(
                [{"home_municipality": f"Øvrige ({len(rest)} kommuner)", "persons": rest["persons"].sum()}])])
        ax.barh(list(totals["home_municipality"])[::-1], list(totals["persons"].fillna(0))[::-1], color="#0072B2")
        ax.xaxis.set_major_formatter(DK)
        ax.set_xlabel("Sigtede personer")
    if slug != "charged-persons-residence":
        ax.yaxis.set_major_formatter(DK)
        ax.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.grid(axis="y" if slug != "charged-persons-residence" else "x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return _own_ids(svg[svg.index("<svg"):], f"chart{next(_CHART_NUMBERS)}")
