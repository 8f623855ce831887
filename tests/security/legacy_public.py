"""The public view as it was before issue 21 (parent of the protection commit), to show the attacks did work.

Only the tests use it: ``legacy_public_table`` replaces ``reports.services.public_table`` and so brings back free
periods, date bases, categories and district filters, and the group-by-group suppression planned on whatever
rows a query left.
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings

SECONDARY = ".."
GROUPS = {
    "charges-by-category": (["period", "category"], "charges", []),
    "charges-share": (["period", "category"], "charges", ["share_pct"]),
    "charged-persons-residence": (["period", "home_municipality_code"], "persons", []),
    "young-charged-share": (["period", "age_group"], "persons", ["persons_per_1000", "share_pct"]),
}


def legacy_suppress(table: pd.DataFrame, *, slug: str, min_count: int) -> pd.DataFrame:
    if slug not in GROUPS or table.empty:
        return table
    keys, value, linked = GROUPS[slug]
    counts = table[value].astype(float)
    hidden = (counts > 0) & (counts < min_count)
    extra = []
    for _key, group in table.groupby(keys, sort=False):
        group_hidden = hidden[group.index]
        if group_hidden.sum() == 1 and len(group) > 1:
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


def legacy_public_table(*, slug, municipality, period, to, categories, districts, date_basis):
    from reports.services import figure_table

    table = figure_table(slug=slug, municipality=municipality, period=period, to=to, categories=categories,
                         date_basis=date_basis)
    if districts and "district" in table:
        table = table[table["district"].isin(districts)]
    return legacy_suppress(table.reset_index(drop=True), slug=slug, min_count=settings.SUPPRESSION_MIN_COUNT)
