"""The comparison's summaries: a group's median and range per period. Pure pandas."""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = ["period", "category", "group", "members", "median", "low", "high"]


def group_summary(*, table: pd.DataFrame, groups: list[tuple[str, list[str]]]) -> pd.DataFrame:
    """For each group, period and category: the median, lowest and highest rate of its members with a rate.

    ``members`` counts those members; a period where none has a rate has no median (missing, not 0).
    """
    rows = []
    for name, codes in groups:
        part = table[table["municipality_code"].isin(codes)]
        for (period, category), cell in part.groupby(["period", "category"], sort=False):
            rates = pd.to_numeric(cell["reports_per_1000"], errors="coerce").dropna()
            rows.append((period, category, name, len(rates), rates.median() if len(rates) else None,
                         rates.min() if len(rates) else None, rates.max() if len(rates) else None))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
