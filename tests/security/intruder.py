"""An intruder who reads every public number and solves for the hidden ones (issue 21, finding 3).

It knows how the figures are built: a period's districts sum to the period's total (fig. 6/7; the shares give
that total), a year is the sum of its half-years and of its quarters, fig. 8's and the young people's
municipality row is at least the sum of its districts' rows (the residents without a district are not
published), rates and shares are counts over a published population or total. It knows the markers: "<N" is
1..N-1, ".." a hidden count of at least N, and, when ``rule_aware``, the protection's own rule that a group
whose total is small shows every part "<N", zeros included. All of it becomes one integer program per
connected set of cells; for each small cell it asks the least and the greatest value the published numbers
allow (scipy's MILP, HiGHS). A cell is recovered when both are its true value.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

BIG = 10**6
SMALL, SECONDARY = "small", "secondary"
CHARGES = ("charges-by-category", "charges-share")


def parse_value(text):
    """A cell as published: an int/float, "small" ("<N"), "secondary" (".."), or None (empty, "–")."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return None if isinstance(text, float) and math.isnan(text) else text
    text = html.unescape(str(text)).strip()
    if text in (SMALL, SECONDARY):
        return text
    if text in ("", "–", "-", "nan", "None"):
        return None
    if text.startswith("<"):
        return SMALL
    if text == "..":
        return SECONDARY
    return float(text)


def parse_danish(text: str):
    """A number as the page shows it: "1.234", "12,5", "39 %"."""
    text = html.unescape(text).strip().removesuffix("%").strip()
    if text.startswith("<") or text in ("..", "–", ""):
        return parse_value(text)
    try:
        return float(text.replace(".", "").replace(",", "."))
    except ValueError:
        return text


def rows_from_csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))  # web downloads start with a BOM


def rows_from_danish_csv(body: bytes) -> list[dict]:
    """"CSV (dansk Excel)" (``….da.csv``): ``;``, the page's headings and names, numbers rounded as on the page
    in Danish notation (shares and rates keep the marker that they are rounded)."""
    from reports import selectors
    from reports.tables import COLUMN_LABELS

    columns_of = {str(label): column for column, label in COLUMN_LABELS.items()}
    columns_of.update({f"{label} (%)": column for label, column in list(columns_of.items())})
    slugs = {name: slug for slug, name in selectors.category_names().items()}
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";")
    header, *lines = list(reader)
    header = [columns_of.get(h, h) for h in header]
    rows = []
    for line in lines:
        rows.append({column: cell_value(column, text, slugs) for column, text in zip(header, line, strict=True)})
    return rows


def rows_from_json(body: bytes) -> list[dict]:
    return json.loads(body)


def rows_from_xlsx(body: bytes) -> list[dict]:
    import openpyxl

    from reports import selectors
    from reports.tables import COLUMN_LABELS

    # the data sheet has the page's headings and names (the second sheet, "Om tallene", describes the selection)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    columns_of = {str(label): column for column, label in COLUMN_LABELS.items()}
    columns_of.update({f"{label} (%)": column for label, column in list(columns_of.items())})
    slugs = {name: slug for slug, name in selectors.category_names().items()}
    header = [columns_of.get(h, h) for h in values[0]]
    rows = []
    for row in values[1:]:
        record = dict(zip(header, row, strict=True))
        if "category" in record:
            record["category"] = slugs.get(record["category"], record["category"])
        if record.get("district") == "Ukendt bydel":
            record["district"] = ""
        if record.get("home_district") == "Hele kommunen" and record.get("age_group"):
            record["home_district"] = ""
        for column in ("district", "home_district", "home_municipality", "home_municipality_code"):
            if column in record and record[column] is None:
                record[column] = ""
        rows.append(record)
    return rows


SECTION = re.compile(r'<section class="figure" aria-labelledby="fig-([a-z0-9-]+)-title">(.*?)</section>', re.S)
HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S)
ROW = re.compile(r"<tr>(<td.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def tables_from_html(page: str, *, labels: dict[str, str], category_slugs: dict[str, str]) -> dict[str, list[dict]]:
    """Every figure table on a page: slug → rows (column → value; numbers parsed, names back to keys).

    Shares and rates keep a marker that they are rounded (the page shows whole per cent, rates with one decimal).
    """
    columns_of = {label: column for column, label in labels.items()}
    tables = {}
    for slug, section in SECTION.findall(page):
        header = [columns_of[html.unescape(h).strip()] for h in HEADER.findall(section)]
        rows = []
        for row in ROW.findall(section):
            cells = [html.unescape(c) for c in CELL.findall(row)]
            rows.append({column: cell_value(column, text, category_slugs)
                         for column, text in zip(header, cells, strict=True)})
        tables[slug] = rows
    return tables


def cell_value(column: str, text: str, category_slugs: dict[str, str]):
    """One cell as the page or the Danish CSV shows it, read back into the machine file's value: category names to
    slugs, "Ukendt bydel" and "Hele kommunen" to "", a partly covered period's label to the period, numbers from
    Danish notation (shares and young rates marked as rounded, as the page shows them)."""
    if column == "category":
        return category_slugs.get(text, text)
    if column == "district":
        return "" if text == "Ukendt bydel" else text
    if column == "home_district":
        return "" if text == "Hele kommunen" else text
    if column == "period":
        return text.split(" ")[0]  # "2026 til og med 31-10": a partly covered period
    if column in ("age_group", "home_municipality_code", "home_municipality"):
        return text
    value = parse_danish(text)
    return ("rounded", value) if column in ("share_pct", "persons_per_1000") else value


def cell_key(slug: str, row: dict) -> tuple:
    if slug in CHARGES:
        return ("c", str(row["period"]), row["district"] or "", row["category"])
    if slug == "charged-persons-residence":
        return ("p", str(row["period"]), str(row["home_municipality_code"] or ""), row["home_district"] or "")
    return ("y", str(row["period"]), row["age_group"], row["home_district"] or "")


def count_of(slug: str, row: dict):
    return parse_value(row["charges" if slug in CHARGES else "persons"])


@dataclass
class Knowledge:
    min_count: int
    rule_aware: bool = True
    exact: dict = field(default_factory=lambda: defaultdict(set))
    markers: dict = field(default_factory=lambda: defaultdict(set))
    ratios: list = field(default_factory=list)  # (count key, total key, low %, high %): 100·count/total in [low, high]
    ranges: list = field(default_factory=list)  # (key, low, high) from rounded rates
    seen: set = field(default_factory=set)  # keys of every cell shown in any way

    def observe(self, slug: str, rows: list[dict]) -> None:
        for row in rows:
            key = cell_key(slug, row)
            value = count_of(slug, row)
            self.seen.add(key)
            if isinstance(value, float | int):
                self.exact[key].add(round(value))
            elif value is not None:
                self.markers[key].add(value)
            if slug == "charges-share":
                self._share(key, ("T", key[1], key[3]), row.get("share_pct"))
            if slug == "young-charged-share":
                population = parse_value(row.get("population"))
                for column, per in (("persons_per_1000", 1000), ("share_pct", 100)):
                    self._rate(key, row.get(column), population, per)

    def _share(self, key, total, share) -> None:
        rounded = isinstance(share, tuple)
        share = parse_value(share[1] if rounded else share)
        if not isinstance(share, float | int):
            return
        half = 0.5 if rounded else 1e-9
        self.ratios.append((key, total, max(share - half, 0.0), share + half))

    def _rate(self, key, rate, population, per) -> None:
        rounded = isinstance(rate, tuple)
        rate = parse_value(rate[1] if rounded else rate)
        if not isinstance(rate, float | int) or not isinstance(population, float | int) or not population:
            return
        half = (0.05 if per == 1000 else 0.5) if rounded else 1e-9
        low, high = (rate - half) * population / per, (rate + half) * population / per
        if high - low < 1e-6 or math.ceil(low - 1e-6) == math.floor(high + 1e-6):
            self.exact[key].add(round((low + high) / 2))
        else:
            self.ranges.append((key, low, high))


class Program:
    """The intruder's integer program: variables, bounds, linear rows."""

    def __init__(self, knowledge: Knowledge):
        self.k = knowledge
        self.index: dict = {}
        self.low: list[float] = []
        self.high: list[float] = []
        self.rows: list[tuple[dict, float, float]] = []  # ({var: coefficient}, low, high)
        self._build()

    def var(self, key, low=0.0, high=BIG) -> int:
        if key not in self.index:
            self.index[key] = len(self.low)
            self.low.append(low)
            self.high.append(high)
        return self.index[key]

    def bound(self, key, low, high) -> None:
        i = self.var(key)
        self.low[i], self.high[i] = max(self.low[i], low), min(self.high[i], high)

    def _build(self) -> None:
        k, m = self.k, self.k.min_count
        keys = set(k.seen) | set(k.exact) | set(k.markers)
        small_totals = set()  # fig. 8 / young groups whose total row shows "<N"
        for key in keys:
            if key[0] in "py" and key[3] == "" and SMALL in k.markers.get(key, ()):
                small_totals.add(key[:3])
        for key in keys:
            if k.exact.get(key):
                values = k.exact[key]
                self.bound(key, min(values), max(values))
            if SMALL in k.markers.get(key, ()):
                part_of_small_total = key[0] in "py" and key[3] != "" and key[:3] in small_totals
                self.bound(key, 0 if k.rule_aware and (part_of_small_total or key[0] == "c") else 1, m - 1)
            if SECONDARY in k.markers.get(key, ()):
                self.bound(key, m, BIG)
        for key, low, high in k.ranges:
            self.bound(key, math.ceil(low - 1e-9), math.floor(high + 1e-9))
        # fig. 6/7: a period's districts sum to its total
        districts = {key[2] for key in keys if key[0] == "c"} | {""}
        groups = {(key[1], key[3]) for key in keys if key[0] == "c"}
        for period, category in groups:
            parts = [("c", period, d, category) for d in sorted(districts)]
            total = ("T", period, category)
            self.rows.append(({**{self.var(p): 1.0 for p in parts}, self.var(total): -1.0}, 0.0, 0.0))
            small = [p for p in parts if SMALL in k.markers.get(p, ())]
            if k.rule_aware:  # a small total shows every part "<N"; otherwise "<N" is 1..N-1 and the total ≥ N
                flag = self.var(("b", period, category), 0, 0 if any(k.exact.get(p) for p in parts) else 1)
                t = self.index[total]
                self.rows.append(({t: 1.0, flag: float(BIG)}, -math.inf, m - 1 + BIG))  # b=1 → total ≤ N-1
                self.rows.append(({t: 1.0, flag: float(m)}, m, math.inf))  # b=0 → total ≥ N
                for p in small:
                    self.rows.append(({self.index[p]: 1.0, flag: 1.0}, 1.0, math.inf))  # b=0 → part ≥ 1
        # a year is its half-years and its quarters, a half-year its quarters (where such periods were shown)
        periods = {key[1] for key in keys if key[0] == "c"}
        cells = {(key[2], key[3]) for key in keys if key[0] == "c"} | {(None, c) for _p, c in groups}
        for year in {p[:4] for p in periods}:
            relations = [(year, [f"{year}H1", f"{year}H2"]), (year, [f"{year}K{q}" for q in range(1, 5)]),
                         (f"{year}H1", [f"{year}K1", f"{year}K2"]), (f"{year}H2", [f"{year}K3", f"{year}K4"])]
            for whole, parts in relations:
                if whole not in periods or not all(p in periods for p in parts):
                    continue
                for district, category in cells:
                    def key_of(period, district=district, category=category):
                        return ("T", period, category) if district is None else ("c", period, district, category)
                    self.rows.append(({**{self.var(key_of(p)): 1.0 for p in parts}, self.var(key_of(whole)): -1.0},
                                      0.0, 0.0))
        # fig. 8 and the young people's share: the municipality's row ≥ its districts' rows
        for kind in "py":
            with_districts = {key[:3] for key in keys if key[0] == kind and key[3] != ""}
            for group in with_districts:
                total = (*group, "")
                if total not in keys:
                    continue
                parts = [key for key in keys if key[:3] == group and key[3] != ""]
                remainder = self.var(("r", *group))
                self.rows.append(({**{self.var(p): 1.0 for p in parts}, remainder: 1.0, self.var(total): -1.0},
                                  0.0, 0.0))
        # shares: 100·count between low·total and high·total
        for key, total, low, high in k.ratios:
            c, t = self.var(key), self.var(total)
            self.rows.append(({c: 100.0, t: -low}, -1e-6, math.inf))
            self.rows.append(({c: 100.0, t: -high}, -math.inf, 1e-6))

    def components(self) -> dict[int, list[int]]:
        parent = list(range(len(self.low)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for coefficients, _low, _high in self.rows:
            first, *rest = coefficients
            for other in rest:
                parent[find(other)] = find(first)
        members = defaultdict(list)
        for i in range(len(self.low)):
            members[find(i)].append(i)
        return {i: members[find(i)] for i in range(len(self.low))}

    def extremes(self, key, component: list[int]) -> tuple[float, float] | None:
        """Least and greatest value of ``key`` the published numbers allow (None: they contradict each other)."""
        local = {v: j for j, v in enumerate(component)}
        rows = [r for r in self.rows if next(iter(r[0])) in local]
        matrix = np.zeros((len(rows), len(component)))
        for i, (coefficients, _low, _high) in enumerate(rows):
            for v, a in coefficients.items():
                matrix[i, local[v]] = a
        constraints = [LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])] if rows else []
        bounds = Bounds([self.low[v] for v in component], [self.high[v] for v in component])
        result = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(component))
            objective[local[self.index[key]]] = sign
            solution = milp(objective, integrality=np.ones(len(component)), bounds=bounds, constraints=constraints)
            if solution.status != 0:
                return None
            result.append(sign * solution.fun)
        return result[0], result[1]


def attack(knowledge: Knowledge, truth: dict, *, known: dict | None = None) -> dict:
    """Every small true cell the intruder has seen in any way: recovered (least == greatest == truth) or not.

    ``known``: values the intruder knows beside the published ones (e.g. the unpublished remainders).
    """
    program = Program(knowledge)
    for key, value in (known or {}).items():
        if key in program.index:
            program.bound(key, value, value)
    components = program.components()
    outcome = {"targets": 0, "recovered": [], "contradictions": [], "ranges": {}}
    for key, value in sorted(truth.items()):
        if not 1 <= value < knowledge.min_count or key not in program.index:
            continue
        outcome["targets"] += 1
        extremes = program.extremes(key, components[program.index[key]])
        if extremes is None:
            outcome["contradictions"].append(key)
            continue
        low, high = round(extremes[0]), round(extremes[1])
        outcome["ranges"][key] = (low, high)
        if low == high == value:
            outcome["recovered"].append(key)
    return outcome
