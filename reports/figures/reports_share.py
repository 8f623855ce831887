"""Fig. 5: each district's share of the reports per 1,000 residents, per category (100 % in all)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext_lazy as _

from ..stats import UNKNOWN, in_category_order
from .base import FigureInputs, ShareFigure


@dataclass(frozen=True)
class ReportsShare(ShareFigure):
    def compute(self, inputs: FigureInputs, base: pd.DataFrame | None) -> pd.DataFrame:
        """rate(district) / Σ rate(all districts) × 100, per period and category (domain.md, fig. 5), from fig. 4's
        whole table (``base``)."""
        assert base is not None  # built on another figure's table
        mix = base[base["district"] != UNKNOWN]
        total = mix.groupby(["period", "category"])["reports_per_1000"].transform(lambda s: s.sum(min_count=1))
        mix = mix.assign(share_pct=mix["reports_per_1000"] / total.where(total != 0) * 100)
        return in_category_order(mix, list(inputs.category_codes), list(self.columns))


FIGURE = ReportsShare(
    "reports-share", 5, _("Fordeling mellem bydele, korrigeret for indbyggertal"),
    _("Hver bydels andel af anmeldelserne pr. 1.000 indbyggere, pr. gerningstype (100 % i alt)."),
    ("period", "category", "district", "reports_per_1000", "share_pct"), value="share_pct",
    built_on="offence-mix", titled_by_last_period=True,
    measures=(("share", "share_pct"),),
    share_of="Hver bydels andel af anmeldelserne pr. 1.000 indbyggere",
)
