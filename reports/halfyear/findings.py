"""Key findings in plain Danish, written from the numbers (never typed by hand)."""

from __future__ import annotations

import pandas as pd

from reports.periods import Period
from reports.templatetags.dk import format_dk


def _rate(value: float) -> str:
    return format_dk(round(value), 0)


def findings_write(tables: dict[str, pd.DataFrame], *, focus: str, previous: str, municipality_name: str,
                   category_names: dict[str, str]) -> list[str]:
    lines: list[str] = []
    focus_name, previous_name = Period.parse(focus).label, Period.parse(previous).label  # "2. halvår 2025", not 2025H2
    per_1000 = tables.get("reports-per-1000")
    if per_1000 is not None and not per_1000.empty:
        year = per_1000[(per_1000["period"] == focus) & per_1000["reports_per_1000"].notna()]
        if len(year) >= 2:
            high = year.loc[year["reports_per_1000"].idxmax()]
            low = year.loc[year["reports_per_1000"].idxmin()]
            lines.append(
                f"Flest anmeldelser pr. 1.000 indbyggere i {high['district']} ({_rate(high['reports_per_1000'])}), "
                f"færrest i {low['district']} ({_rate(low['reports_per_1000'])}) i {focus_name}."
            )
        now = per_1000.loc[per_1000["period"] == focus, "reports"].sum()
        before = per_1000.loc[per_1000["period"] == previous, "reports"].sum()
        if before:
            change = (now - before) / before * 100
            direction = "flere" if change > 0 else "færre"
            lines.append(
                f"I alt {format_dk(now)} anmeldelser i {focus_name} – {format_dk(abs(change), 0)} % {direction} end i "
                f"{previous_name} ({format_dk(before)})." if round(change) else
                f"I alt {format_dk(now)} anmeldelser i {focus_name} – på niveau med {previous_name} ({format_dk(before)})."
            )
    mix = tables.get("offence-mix")
    if mix is not None and not mix.empty:
        year = mix[mix["period"] == focus].groupby("category")["reports"].sum()
        if year.sum():
            top = year.idxmax()
            lines.append(f"Flest anmeldelser for {category_names.get(top, top).lower()} ({format_dk(year.max())}).")
    share = tables.get("reports-share")
    if share is not None and not share.empty:
        year = share[(share["period"] == focus) & share["share_pct"].notna()]
        present = list(dict.fromkeys(year["category"]))
        if present:
            category = "indbrud" if "indbrud" in present else present[0]
            rows = year[year["category"] == category]
            top = rows.loc[rows["share_pct"].idxmax()]
            lines.append(
                f"{category_names.get(category, category)}: {top['district']} har den største andel "
                f"({format_dk(top['share_pct'], 0)} %) korrigeret for indbyggertal."
            )
    residence = tables.get("charged-persons-residence")
    if residence is not None and not residence.empty:
        year = residence[residence["period"] == focus]
        own = year[(year["home_municipality"] == municipality_name) & (year["home_district"] == "")]
        others = year[(year["home_municipality"] != municipality_name) & (year["home_municipality"] != "Uoplyst")]
        persons = pd.to_numeric(others["persons"], errors="coerce")
        if not own.empty:
            text = f"{format_dk(own['persons'].iloc[0])} sigtede personer boede i {municipality_name} selv"
            if persons.notna().any() and persons.sum():
                top = others.loc[persons.idxmax()]
                text += (f"; {format_dk(persons.sum())} kom fra andre kommuner, flest fra "
                         f"{top['home_municipality']} ({format_dk(top['persons'])})")
            lines.append(text + ".")
    return [line for line in lines if "nan" not in line]
