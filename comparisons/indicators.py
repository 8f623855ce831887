"""Indicators with baseline and target: the straight line between them, and a status. Pure.

The baseline is a period (a year or a half-year) whose value is read from the indicator's own series;
the target is a value or a per cent change from that baseline, in a period of the same kind. The status
compares like with like: only periods of the baseline's kind count, and a period without data is "Ingen
data", never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import number
from reports.periods import Period

ON_TRACK, OFF_TRACK, NO_DATA = "on_track", "off_track", "no_data"
STATUS_LABELS = {ON_TRACK: gettext_lazy("På rette vej"), OFF_TRACK: gettext_lazy("Ikke på rette vej"),
                 NO_DATA: gettext_lazy("Ingen data")}


HALF_YEAR = gettext_lazy("%(number)s. halvår %(year)s")  # the dashboard's own wording (and translation)


def period_name(period: Period) -> str:
    """A year or half-year as readers name it, in the active language: 2016, 1. halvår 2016 (H1 2016)."""
    if period.kind == "H":
        return str(HALF_YEAR) % {"number": period.number, "year": period.year}
    return period.label


def period_index(period: Period) -> int:
    """Periods of one kind as consecutive integers (2016 → 2016; 2016H1 → 4032, 2016H2 → 4033)."""
    per_year = 12 // period.months
    return period.year * per_year + period.number - 1


def target_value(*, baseline: float | None, value: float | None, change_pct: float | None) -> float | None:
    """The target: ``value`` as given, or ``baseline`` changed by ``change_pct`` per cent (None without a baseline)."""
    if value is not None:
        return value
    if change_pct is None or baseline is None:
        return None
    return baseline * (1 + change_pct / 100)


@dataclass(frozen=True)
class Line:
    baseline_period: Period
    baseline_value: float
    target_period: Period
    target_value: float

    def expected(self, period: Period) -> float:
        """The value on the straight line from baseline to target (flat after the target period)."""
        if period.kind != self.baseline_period.kind:
            raise ValueError(f"{period} is not of the baseline's kind ({self.baseline_period})")
        here, start, stop = period_index(period), period_index(self.baseline_period), period_index(self.target_period)
        if here >= stop:
            return self.target_value
        if here <= start:
            return self.baseline_value
        step = (self.target_value - self.baseline_value) / (stop - start)
        return self.baseline_value + step * (here - start)


def comparable(series: dict[str, float | None], kind: str) -> dict[Period, float]:
    """The periods of ``series`` of one kind that hold a value (no value is no data, never 0)."""
    result = {}
    for text, value in series.items():
        period = Period.parse(text)
        if period.kind == kind and value is not None and value == value:
            result[period] = float(value)
    return result


def indicator_status(*, line: Line | None, baseline_period: Period, direction: str,
                     series: dict[str, float | None]) -> tuple[str, str]:
    """(status, the rule in words, in the active language) from the latest value of the baseline's period kind.

    ``line`` is None when the baseline period has no data: then there is nothing to compare with.
    """
    if line is None:
        return NO_DATA, _("Der er ingen data for udgangsperioden %(period)s, så der er intet at sammenligne med.") % {
            "period": period_name(baseline_period)}
    values = {p: v for p, v in comparable(series, baseline_period.kind).items() if p >= baseline_period}
    if not values:
        return NO_DATA, _("Der er ingen målinger fra udgangsperioden og frem.")
    period = max(values)
    value, expected = values[period], line.expected(period)
    better = value <= expected if direction == "down" else value >= expected
    rule = _("Seneste måling (%(year)s: %(value)s) sammenlignes med den rette linje fra udgangspunktet til målet, "
             "som i %(year)s er %(expected)s.") % {"year": period_name(period), "value": _dk(value), "expected": _dk(expected)}
    rule += " " + (_("På rette vej, når målingen er højst linjens værdi.") if direction == "down"
                   else _("På rette vej, når målingen er mindst linjens værdi."))
    return (ON_TRACK if better else OFF_TRACK), rule


def _dk(value: float) -> str:
    return number(value, 1)
