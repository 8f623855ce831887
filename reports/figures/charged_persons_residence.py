"""Fig. 8: where the persons charged for crime in the municipality live (each counted once per period)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import number
from districts.models import Municipality

from .. import selectors
from ..charts import PALETTE, bar, merged
from ..halfyear.svgcharts import (
    AXIS,
    GRID,
    WIDTH,
    join_names,
    legend,
    nice_ticks,
    rect,
    svg_document,
    text,
)
from ..periods import Period
from ..stats import empty_table
from ..suppression import Protection
from .base import Drawing, Figure, FigureInputs, charged_persons


def persons_by_residence(
    persons: pd.DataFrame, *, periods: list[Period], municipality_id: int,
    municipalities: dict[int, tuple[str, str]], districts: list[tuple[int, str]],
) -> pd.DataFrame:
    """Distinct persons per period by home municipality (and home district at home), fig. 8.

    ``persons``: period, home_municipality_id, home_district_id, persons, where each person
    counts once per period with the residence of their first charge in it (earliest offence by
    the date basis, then charge date; ``selectors.first_charge_persons``).
    """
    columns = ["period", "home_municipality_code", "home_municipality", "home_district", "persons"]
    # a few hundred count rows: plain Python sums beat a pandas filter per period and district
    at_home: dict[tuple[str, int | None], int] = {}  # (period, home district id or None) → persons
    elsewhere: dict[str, dict[int, int]] = {}  # period → {home municipality id → persons}
    unknown: dict[str, int] = {}
    for period, home_id, district_id, n in persons[["period", "home_municipality_id", "home_district_id",
                                                     "persons"]].itertuples(index=False):
        if pd.isna(home_id):
            unknown[period] = unknown.get(period, 0) + int(n)
        elif int(home_id) == municipality_id:
            key = (period, None if pd.isna(district_id) else int(district_id))
            at_home[key] = at_home.get(key, 0) + int(n)
        else:
            per_home = elsewhere.setdefault(period, {})
            per_home[int(home_id)] = per_home.get(int(home_id), 0) + int(n)
    present = set(persons["period"])
    rows = []
    code, name = municipalities[municipality_id]
    for period in [str(p) for p in periods]:
        if period not in present:
            continue
        own = {district_id: n for (p, district_id), n in at_home.items() if p == period}
        rows.append((period, code, name, "", sum(own.values())))
        for district_id, district_name in districts:
            rows.append((period, code, name, district_name, own.get(district_id, 0)))
        counted = [(n, municipalities[other_id]) for other_id, n in elsewhere.get(period, {}).items()]
        for n, (other_code, other_name) in sorted(counted, key=lambda c: (-c[0], c[1][0])):  # most first, then by code
            rows.append((period, other_code, other_name, "", n))
        if unknown.get(period):
            rows.append((period, "", "Uoplyst", "", unknown[period]))
    return pd.DataFrame(rows, columns=columns) if rows else empty_table(columns)



def hidden_in_code_order(table: pd.DataFrame, *, own_code: str) -> pd.DataFrame:
    """The other home municipalities come most persons first; the hidden ones by code, after the shown ones.

    Sorted by their true counts, the "<3" rows gave away which were 2 and which 1.
    """
    if table.empty:
        return table
    periods = {p: i for i, p in enumerate(dict.fromkeys(table["period"]))}
    hidden = table["persons"].map(lambda v: isinstance(v, str))
    rank = table["home_municipality_code"].map(lambda code: 0 if code == own_code else 3 if code == "" else 1)
    rank = rank.where(~((rank == 1) & hidden), 2)
    keys = pd.DataFrame({"p": table["period"].map(periods), "r": rank,
                         "c": table["home_municipality_code"].where(rank == 2, "")}, index=table.index)
    return table.loc[keys.sort_values(["p", "r", "c"], kind="stable").index]


def residence_split(frame: pd.DataFrame, municipality_name: str) -> tuple[list[tuple[str, float]], float]:
    """Fig. 8: the municipality's own residents by home district [(district, persons)] and their total."""
    own = frame[frame["home_municipality"] == municipality_name]
    total = pd.to_numeric(own.loc[own["home_district"] == "", "persons"], errors="coerce").sum()
    parts = [(d, float(v)) for d, v in zip(own["home_district"], pd.to_numeric(own["persons"], errors="coerce"),
                                            strict=True) if d and v == v]
    return parts, float(total)


def residence_svg(frame: pd.DataFrame, colours: dict[str, str], municipality_name: str) -> str:
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
    ticks = nice_ticks(max(values, default=0))
    high = ticks[-1] or 1

    def x_of(value: float) -> float:
        return left + value / high * (right - left)

    parts = []
    for tick in ticks:
        parts.append(f'<line x1="{x_of(tick):.1f}" y1="{top:.1f}" x2="{x_of(tick):.1f}" y2="{bottom:.1f}" '
                     f'stroke="{GRID}" stroke-width="0.8"/>')
        parts.append(text(x_of(tick), bottom + 13, number(tick, 0), size=9, fill=AXIS))
    split, _total = residence_split(frame, municipality_name)
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        y = top + i * row + 2
        parts.append(text(left - 6, y + 10, name, anchor="end", size=9))
        if name == municipality_name and split:
            start = 0.0
            for district, persons in split:
                parts.append(rect(x_of(start), y, x_of(start + persons) - x_of(start), row - 4,
                                   colours.get(district, "#8a8a8a")))
                if persons >= high * 0.06:
                    parts.append(text((x_of(start) + x_of(start + persons)) / 2, y + 10, number(persons, 0),
                                       size=8.5, fill="#ffffff"))
                start += persons
            if value > start:  # residents whose district is unknown
                parts.append(rect(x_of(start), y, x_of(value) - x_of(start), row - 4, colours.get("", "#8a8a8a")))
        else:
            parts.append(rect(left, y, x_of(value) - left, row - 4, "#0072B2"))
        parts.append(text(x_of(value) + 4, y + 10, number(value, 0), anchor="start", size=9))
    parts.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{bottom:.1f}" stroke="{AXIS}" '
                 'stroke-width="0.8"/>')
    parts.append(text((left + right) / 2, bottom + 28, "Sigtede personer", size=10, fill=AXIS))
    if split:
        parts.append(legend([(d, colours.get(d, "#8a8a8a")) for d, _p in split], height - 16,
                             title=f"Bopæl i {municipality_name}:"))
    return svg_document(parts, height)



@dataclass(frozen=True)
class ChargedPersonsResidence(Figure):
    def district_rows(self, table: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
        """The chosen home districts' rows; the rows of no home district (the municipality's total, other
        municipalities) stay: they are not a district's."""
        return table[(table["home_district"] == "") | table["home_district"].isin(districts)]

    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        return persons_by_residence(charged_persons(inputs, of="offence"), periods=inputs.periods,
                                    municipality_id=inputs.municipality.pk,
                                    municipalities=selectors.municipality_names(), districts=inputs.districts)

    def public_rows(self, table: pd.DataFrame, *, municipality: Municipality) -> pd.DataFrame:
        return hidden_in_code_order(table, own_code=municipality.code)

    def traces(self, numeric: pd.DataFrame, drawing: Drawing) -> list[dict]:
        value = self.value
        last = drawing.last(numeric)
        own = last[last["home_district"] != ""]
        totals = last[last["home_district"] == ""]
        labels = list(totals["home_municipality"])
        # horizontal, as in the published report: dozens of municipality names stay readable
        data = [bar(name=_("Sigtede personer"), y=labels, x=totals[value], colour=PALETTE[0], orientation="h",
                    hovertemplate="%{y}: %{x}<extra></extra>")]
        for district in own["home_district"]:
            row = own[own["home_district"] == district]
            data.append(bar(name=f"{row['home_municipality'].iloc[0]} – {district}", orientation="h",
                            y=[row["home_municipality"].iloc[0]], x=row[value], colour=drawing.colours.get(district),
                            visible="legendonly"))
        return data

    def chart_layout(self, layout: dict, data: list[dict], axis_title: str) -> dict:
        rows = len(data[0]["y"]) if data else 0
        height = max(420, 210 + 22 * rows)
        plot = height - 60 - 150  # the legend and the source line sit a fixed number of pixels below the axis
        layout = merged(layout, {
            "height": height, "margin": {"l": 170, "b": 150}, "legend": {"y": -60 / plot},
            "xaxis": {"type": "linear", "title": {"text": axis_title}, "showgrid": True,
                      "gridcolor": "#e5e5e5", "rangemode": "tozero"},
            "yaxis": {"type": "category", "autorange": "reversed", "title": {"text": ""}, "showgrid": False},
        })
        layout["annotations"] = [{**layout["annotations"][0], "y": -105 / plot}]
        return layout

    def svg(self, frame: pd.DataFrame, drawing: Drawing) -> str:
        return residence_svg(frame, drawing.colours, drawing.municipality_name)

    def alt_text(self, frame: pd.DataFrame, *, span: str, districts: list[str], names: dict[str, str],
                 municipality_name: str) -> str:
        value = self.value
        totals = frame[frame["home_district"] == ""].sort_values(value, ascending=False)
        top = "; ".join(f"{m} {number(v, 0)}" for m, v in zip(totals["home_municipality"], totals[value],
                                                               strict=True) if v == v)
        parts, total = residence_split(frame, municipality_name)
        split = (f" Af de {number(total, 0)} med bopæl i {municipality_name} boede "
                 + join_names([f"{number(v, 0)} i {d}" for d, v in parts]) + ".") if parts else ""
        return f"Liggende søjlediagram: sigtede personer efter bopælskommune, {span}: {top}.{split}"

    def report_caption(self, table: pd.DataFrame, *, municipality_name: str) -> str:
        """The caption with the seed's split of the last period: "Vester 44, Lund 40, Øster 34"."""
        caption = str(self.caption)
        periods = list(dict.fromkeys(table["period"])) if "period" in table else []
        if periods:
            parts, total = residence_split(table[table["period"] == periods[-1]], municipality_name)
            if parts:
                caption += (f" Af de {number(total, 0)} sigtede med bopæl i {municipality_name} boede "
                            + join_names([f"{number(v, 0)} i {d}" for d, v in parts]) + ".")
        return caption


FIGURE = ChargedPersonsResidence(
    "charged-persons-residence", 8, gettext_lazy("Hvor bor de sigtede?"),
    gettext_lazy("Sigtede personer for kriminalitet i kommunen efter bopælskommune og -bydel "
                 "(hver person tælles én gang pr. periode)."),
    ("period", "home_municipality_code", "home_municipality", "home_district", "persons"),
    personal=True, value="persons", persons=True, titled_by_last_period=True,
    measures=(("count", "persons"),),
    protection=Protection(("period", "home_municipality_code"), "persons", total_column="home_district",
                          remainder=True),
    appendix_hidden=("home_municipality_code",),
)
