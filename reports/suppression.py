"""Small-count suppression for public views (domain.md).

Charges and charged persons are personal data: on public pages and downloads a cell below
the minimum shows "<N", and a second cell in the same group is suppressed when the first
could be recomputed from a total (the group's sum is published, or shares sum to 100 %).
The second cell is not small, so it shows ".." (Statistics Denmark's mark for a value not
published), never "<N", which would misstate it.
"""

from __future__ import annotations

import pandas as pd

SECONDARY = ".."
GROUPS = {
    "charges-by-category": (["period", "category"], "charges", []),
    "charges-share": (["period", "category"], "charges", ["share_pct"]),
    # the municipality's own district rows and its total row share a code: one group
    "charged-persons-residence": (["period", "home_municipality_code"], "persons", []),
    # the municipality's row and its district rows of one age group: one group
    "young-charged-share": (["period", "age_group"], "persons", ["persons_per_1000", "share_pct"]),
}


def suppress(table: pd.DataFrame, *, slug: str, min_count: int) -> pd.DataFrame:
    if slug not in GROUPS or table.empty:
        return table
    keys, value, linked = GROUPS[slug]
    counts = table[value].astype(float)
    hidden = (counts > 0) & (counts < min_count)
    extra = []
    for _key, group in table.groupby(keys, sort=False):
        group_hidden = hidden[group.index]
        if group_hidden.sum() == 1 and len(group) > 1:
            # one hidden cell could be recomputed from the group total: hide the next smallest too
            visible = counts[group.index][~group_hidden]
            visible = visible[visible > 0]
            if not visible.empty:
                extra.append(visible.idxmin())
    secondary = table.index.isin(extra)
    out = table.copy()
    out[value] = out[value].astype(object)
    out.loc[hidden, value] = f"<{min_count}"
    out.loc[secondary, value] = SECONDARY
    hidden = hidden | secondary
    for column in linked:
        out[column] = out[column].astype(object)
        out.loc[hidden, column] = None
    return out
