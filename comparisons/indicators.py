"""Indicators with baseline and target: the straight line between them, and a status. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import number

ON_TRACK, OFF_TRACK, NO_DATA = "on_track", "off_track", "no_data"
STATUS_LABELS = {ON_TRACK: gettext_lazy("På rette vej"), OFF_TRACK: gettext_lazy("Ikke på rette vej"),
                 NO_DATA: gettext_lazy("Ingen data")}


@dataclass(frozen=True)
class Line:
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float

    def expected(self, year: int) -> float:
        """The value on the straight line from baseline to target (flat after the target year)."""
        if year >= self.target_year:
            return self.target_value
        if year <= self.baseline_year:
            return self.baseline_value
        step = (self.target_value - self.baseline_value) / (self.target_year - self.baseline_year)
        return self.baseline_value + step * (year - self.baseline_year)


def indicator_status(*, line: Line, direction: str, series: dict[int, float | None]) -> tuple[str, str]:
    """(status, the rule in words, in the active language) from the latest value at or after the baseline year."""
    values = {y: v for y, v in series.items() if v is not None and y >= line.baseline_year}
    if not values:
        return NO_DATA, _("Der er ingen målinger fra udgangsåret og frem.")
    year = max(values)
    value, expected = values[year], line.expected(year)
    better = value <= expected if direction == "down" else value >= expected
    rule = _("Seneste måling (%(year)s: %(value)s) sammenlignes med den rette linje fra udgangspunktet til målet, "
             "som i %(year)s er %(expected)s.") % {"year": year, "value": _dk(value), "expected": _dk(expected)}
    rule += " " + (_("På rette vej, når målingen er højst linjens værdi.") if direction == "down"
                   else _("På rette vej, når målingen er mindst linjens værdi."))
    return (ON_TRACK if better else OFF_TRACK), rule


def _dk(value: float) -> str:
    return number(value, 1)
