"""Indicators with baseline and target: the straight line between them, and a status. Pure."""

from __future__ import annotations

from dataclasses import dataclass

ON_TRACK, OFF_TRACK, NO_DATA = "on_track", "off_track", "no_data"
STATUS_LABELS = {ON_TRACK: "På rette vej", OFF_TRACK: "Ikke på rette vej", NO_DATA: "Ingen data"}


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
    """(status, the rule in Danish) from the latest value at or after the baseline year."""
    values = {y: v for y, v in series.items() if v is not None and y >= line.baseline_year}
    if not values:
        return NO_DATA, "Der er ingen målinger fra udgangsåret og frem."
    year = max(values)
    value, expected = values[year], line.expected(year)
    better = value <= expected if direction == "down" else value >= expected
    comparison = "højst" if direction == "down" else "mindst"
    rule = (f"Seneste måling ({year}: {_dk(value)}) sammenlignes med den rette linje fra udgangspunktet til målet, "
            f"som i {year} er {_dk(expected)}. På rette vej, når målingen er {comparison} linjens værdi.")
    return (ON_TRACK if better else OFF_TRACK), rule


def _dk(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")
