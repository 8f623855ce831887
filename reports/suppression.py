"""Small-count protection for public views (domain.md, "Small counts").

Charges and charged persons are personal data. The public view publishes a fixed set of
tables (whole years, reports by report date, the municipality's report categories, all
districts; see ``reports.services.public_table``), and this module plans the suppression of
each of them so that no count from 1 to min-1 can be worked out from everything published
together. Each count of a personal figure belongs to exactly one linear relation of the
public output, a *group*:

- fig. 6 and 7 (charges): a period and category; the districts' charges (the unknown
  district included) sum to the group's total, which fig. 7's shares publish (share × count).
  Fig. 6 and fig. 7 show the same cells and are protected alike.
- fig. 8 (charged persons by residence): a period and home municipality; for the
  municipality itself its total row is its districts' rows plus the residents without a
  district (a remainder that is not published: total ≥ Σ districts).
- the young people's share: a period and age group; the municipality's row and its
  districts' rows, related as in fig. 8.

Years are not sums of quarters in public (the public view offers whole years only), the
categories overlap (no sum across them is published), and persons are counted once per
period (not additive across periods), so no other relation joins the groups.

Within a group the plan is audited as an intruder would: every published number is exact, a
"<N" cell lies in 1..N-1, a ".." cell (hidden only to protect another) is at least N, and the
group's relation holds. A small cell is protected when it can still take two values; while
one cannot, the next smallest published cell of its group (or the group's total) is hidden
too. The audit assumes the intruder knows the unpublished remainder of fig. 8 and the young
people's share (the residents without a district) exactly, which is stronger than anything
published; only when that cannot be met does the plan settle for the published knowledge.
When a group's total is itself small, every part of the group is shown "<N" too (zeros
included, which is still true: they are below N), since "<N" parts of a "<N" total would
otherwise pin each other.

Hook for columns derived from a count (rates, shares, and later uncertainty intervals):
``Protection.derived`` lists them per figure (each personal figure's module in ``reports.figures``
holds its ``Protection``), ``Protection.margin_derived`` those that
also use the group's total (the charges' shares), and any column named ``<count>_…`` or
``<derived>_…`` (e.g. ``persons_ci_low``, ``share_pct_ci_high``) is hidden with its count
without being listed. A hidden count's derived cells are empty (``None``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

SECONDARY = ".."


@dataclass(frozen=True)
class Protection:
    """How one personal figure's table is protected."""

    keys: tuple[str, ...]  # the columns naming a group (one linear relation)
    value: str  # the count column
    derived: tuple[str, ...] = ()  # columns computed from the row's count alone (hidden with it)
    margin_derived: tuple[str, ...] = ()  # columns computed from the count and the group's total
    total_column: str | None = None  # the total row is where this column is "" (None: no total row, the sum is the total)
    remainder: bool = False  # total = Σ rows + an unpublished remainder ≥ 0 (else total = Σ rows)


VISIBLE, PRIMARY, SMALL, HIDDEN = "visible", "primary", "small", "secondary"


@dataclass
class Cell:
    value: int
    sign: int  # +1 a part of the relation, -1 its total
    order: tuple  # a stable tie-break that does not depend on the row order of the query
    status: str = VISIBLE
    row: Any = None  # the table's index, or None for an implicit total


def bounds(cell: Cell, min_count: int) -> tuple[float, float]:
    """What a visitor knows of a cell, by what it shows."""
    if cell.status == VISIBLE:
        return cell.value, cell.value
    if cell.status == PRIMARY:
        return 1, min_count - 1
    if cell.status == SMALL:  # a part shown "<N" beside a "<N" total: zeros are shown so too
        return 0, min_count - 1
    return min_count, math.inf


def feasible(cells: list[Cell], index: int, *, min_count: int, remainder: tuple[float, float]) -> tuple[float, float]:
    """The values cell ``index`` can take given what is shown and Σ parts + remainder = total."""
    low, high = remainder
    for j, cell in enumerate(cells):
        if j == index:
            continue
        lo, hi = bounds(cell, min_count)
        if cell.sign > 0:
            low, high = low + lo, high + hi
        else:
            low, high = low - hi, high - lo
    # sign·x + (low..high) = 0
    if cells[index].sign > 0:
        low, high = -high, -low
    lo, hi = bounds(cells[index], min_count)
    return max(lo, low), min(hi, high)


def pinned(cells: list[Cell], *, min_count: int, remainder: tuple[float, float]) -> list[int]:
    """Small cells whose value the group's published numbers fix."""
    result = []
    for i, cell in enumerate(cells):
        if cell.status in (PRIMARY, SMALL) and 1 <= cell.value < min_count:
            low, high = feasible(cells, i, min_count=min_count, remainder=remainder)
            if low >= high:
                result.append(i)
    return result


def plan_group(cells: list[Cell], *, min_count: int, remainder: float | None) -> list[Cell]:
    """Set each cell's status: small cells hidden, and enough others that none of them can be worked out.

    ``remainder``: the unpublished part of the total (None: the total is the parts' sum exactly).
    """
    for cell in cells:
        if 1 <= cell.value < min_count:
            cell.status = PRIMARY
    total = next((c for c in cells if c.sign < 0), None)
    if total is None:  # a lone cell (another home municipality): no relation, "<N" alone protects it
        return cells
    if total.status == PRIMARY:
        for cell in cells:
            if cell.sign > 0:
                cell.status = SMALL
    known = (remainder or 0, remainder or 0)
    free = (0, math.inf) if remainder is not None else known
    while pinned(cells, min_count=min_count, remainder=known):
        candidates = sorted((c for c in cells if c.status == VISIBLE and c.value >= min_count),
                            key=lambda c: (c.value, c.sign < 0, c.order))
        if not candidates:
            break
        before = len(pinned(cells, min_count=min_count, remainder=known))
        chosen = candidates[0]
        for candidate in candidates:
            candidate.status = HIDDEN
            fewer = len(pinned(cells, min_count=min_count, remainder=known)) < before
            candidate.status = VISIBLE
            if fewer:
                chosen = candidate
                break
        chosen.status = HIDDEN
    if pinned(cells, min_count=min_count, remainder=free):  # not reached by the cases above; never publish it
        for cell in cells:
            if cell.status == VISIBLE and cell.value >= min_count:
                cell.status = HIDDEN
    return cells


def marker(cell: Cell, min_count: int):
    if cell.status in (PRIMARY, SMALL):
        return f"<{min_count}"
    if cell.status == HIDDEN:
        return SECONDARY
    return cell.value


def derived_columns(table: pd.DataFrame, protection: Protection) -> tuple[list[str], list[str]]:
    """(columns hidden with a row's count, columns hidden also when the group's total is): listed ones plus any
    column named after the count or a listed column with a suffix (``persons_ci_low``)."""
    def with_suffixed(names: tuple[str, ...]) -> list[str]:
        return [c for c in table.columns if c in names or any(c.startswith(n + "_") for n in names)]

    margin = with_suffixed(protection.margin_derived)
    own = [c for c in with_suffixed((protection.value, *protection.derived)) if c != protection.value and c not in margin]
    return own, margin


def suppress(table: pd.DataFrame, *, protection: Protection | None, min_count: int) -> pd.DataFrame:
    """The table as published: small counts "<N", cells hidden to protect them "..", their derived cells empty.

    ``table`` must hold every row of each group (all districts): a group's plan depends on its own cells only,
    never on which periods or rows a query asked for, so every query shows a cell the same way.
    """
    if protection is None or table.empty:
        return table
    own_derived, margin_derived = derived_columns(table, protection)
    out = table.copy()
    out[protection.value] = out[protection.value].astype(object)
    for column in own_derived + margin_derived:
        out[column] = out[column].astype(object)
    order_columns = [c for c in table.columns if c not in (protection.value, *own_derived, *margin_derived)]
    for _key, group in table.groupby(list(protection.keys), sort=False):
        cells = []
        for row, values in group.iterrows():
            is_total = protection.total_column is not None and values[protection.total_column] == "" and len(group) > 1
            cells.append(Cell(int(values[protection.value]), -1 if is_total else 1,
                              tuple(str(values[c]) for c in order_columns), row=row))
        remainder = None
        if protection.total_column is None:  # the sum is the total (published through the shares)
            cells.append(Cell(sum(c.value for c in cells), -1, ("~total",)))
        elif protection.remainder:
            remainder = -sum(c.value * c.sign for c in cells)  # total - Σ parts
        plan_group(cells, min_count=min_count, remainder=remainder)
        total_hidden = any(c.sign < 0 and c.status != VISIBLE for c in cells)
        for cell in cells:
            if cell.row is None:
                continue
            out.loc[cell.row, protection.value] = marker(cell, min_count)
            hide = cell.status != VISIBLE
            for column in own_derived if hide else []:
                out.loc[cell.row, column] = None
            for column in margin_derived if hide or total_hidden else []:
                out.loc[cell.row, column] = None
    return out
