"""Fig. 7: each district's share of the municipality's charges, per category (100 % in all)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from ..stats import in_category_order
from ..suppression import Protection
from .base import FigureInputs, ShareFigure


@dataclass(frozen=True)
class ChargesShare(ShareFigure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        """Plain share of the municipality's charges per period and category, from fig. 6's whole table."""
        assert base is not None  # built on another figure's table
        total = base.groupby(["period", "category"])["charges"].transform("sum")
        frame = base.assign(share_pct=base["charges"] / total.where(total != 0) * 100)
        return in_category_order(frame, list(inputs.category_codes), list(self.columns))


FIGURE = ChargesShare(
    "charges-share", 7, _("Fordeling af sigtelser mellem bydele"),
    _("Hver bydels andel af sigtelserne pr. gerningstype (100 % i alt)."),
    ("period", "category", "district", "charges", "share_pct"), personal=True, value="share_pct",
    built_on="charges-by-category", titled_by_last_period=True, unknown_district_rows=True,
    protection=Protection(("period", "category"), "charges", margin_derived=("share_pct",)),
    measures=(("share", "share_pct"),),
    share_of="Hver bydels andel af sigtelserne",
)
