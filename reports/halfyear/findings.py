"""Key findings in plain Danish, written from the numbers (never typed by hand).

The words follow the test (domain.md, "How sure a number is"): a rise or fall is stated only when the
conditional binomial test finds it significant, a "highest/lowest district" only when the two districts
differ significantly; otherwise the finding says "på niveau" and "ikke statistisk sikker".
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

import pandas as pd
from django.conf import settings
from django.utils import translation

from common.formatting import number
from reports.periods import Period
from reports.uncertainty import change_p_value, change_words, significant


def _rate(value: float) -> str:
    return number(round(value), 0)


def _differ(first: pd.Series, second: pd.Series, alpha: float) -> bool:
    """Do two districts' rates of the same period differ significantly (the test of two districts)?"""
    p = change_p_value([second["reports"]], [first["reports"]], [second["population"]], [first["population"]])[0]
    return significant(p, alpha)


def _change(*, now: float, before: float, population_now, population_before, reference: str, alpha: float) -> str:
    """The words of a change from ``before`` to ``now`` reports: the rate's change when both populations are
    known, else the count's."""
    known = all(isinstance(p, int | float) and math.isfinite(p) and p > 0 for p in (population_now, population_before))
    if known:
        rate_now, rate_before = now / population_now, before / population_before
        pct = (rate_now - rate_before) / rate_before * 100 if rate_before else None
        p = change_p_value([before], [now], [population_before], [population_now])[0]
    else:
        pct = (now - before) / before * 100 if before else None
        p = change_p_value([before], [now])[0]
    return change_words(before=before, now=now, change_pct=pct, p_value=p, alpha=alpha, reference=reference)


def _population_total(rows: pd.DataFrame) -> float | None:
    """The districts' residents together, when every district has a count."""
    known = rows[rows["district"] != ""]["population"].astype(float)
    return float(known.sum()) if len(known) and known.notna().all() else None


def findings_write(tables: dict[str, pd.DataFrame], *, focus: str, previous: str, municipality_name: str,
                   category_names: dict[str, str], alpha: float | None = None) -> list[str]:
    alpha = settings.SIGNIFICANCE_LEVEL if alpha is None else alpha
    with translation.override("da"):  # the report is the municipality's Danish document
        return _findings(tables, focus=focus, previous=previous, municipality_name=municipality_name,
                         category_names=category_names, alpha=alpha)


def _findings(tables: dict[str, pd.DataFrame], *, focus: str, previous: str, municipality_name: str,
              category_names: dict[str, str], alpha: float) -> list[str]:
    lines: list[str] = []
    focus_name, previous_name = Period.parse(focus).label, Period.parse(previous).label  # "2. halvår 2025", not 2025H2
    per_1000 = tables.get("reports-per-1000")
    if per_1000 is not None and not per_1000.empty:
        year: Any = per_1000[(per_1000["period"] == focus) & per_1000["reports_per_1000"].notna()]
        if len(year) >= 2:
            high = year.loc[year["reports_per_1000"].idxmax()]
            low = year.loc[year["reports_per_1000"].idxmin()]
            if _differ(high, low, alpha):
                lines.append(
                    f"Flest anmeldelser pr. 1.000 indbyggere i {high['district']} ({_rate(high['reports_per_1000'])}), "
                    f"færrest i {low['district']} ({_rate(low['reports_per_1000'])}) i {focus_name}."
                )
            else:
                lines.append(
                    f"Anmeldelser pr. 1.000 indbyggere i {focus_name}: bydelene ligger på niveau med hinanden "
                    f"(fra {_rate(low['reports_per_1000'])} i {low['district']} til {_rate(high['reports_per_1000'])} "
                    f"i {high['district']}; forskellen er ikke statistisk sikker)."
                )
        now_rows = per_1000[per_1000["period"] == focus]
        before_rows = per_1000[per_1000["period"] == previous]
        now, before = now_rows["reports"].sum(), before_rows["reports"].sum()
        if len(before_rows):
            words = _change(now=now, before=before, population_now=_population_total(now_rows),
                            population_before=_population_total(before_rows), reference=previous_name, alpha=alpha)
            lines.append(f"I alt {number(now)} anmeldelser i {focus_name} mod {number(before)} i {previous_name}: "
                         f"{words}.")
            earlier: Any = before_rows.set_index("district")
            row: Any
            for row in now_rows[now_rows["district"] != ""].itertuples(index=False):
                if row.district not in earlier.index:
                    continue
                then = earlier.loc[row.district]
                words = _change(now=row.reports, before=then["reports"], population_now=row.population,
                                population_before=then["population"], reference=previous_name, alpha=alpha)
                rate = f" ({_rate(row.reports_per_1000)} pr. 1.000 indbyggere)" if pd.notna(row.reports_per_1000) \
                    else ""
                lines.append(f"{row.district}: {number(row.reports)} anmeldelser i {focus_name}{rate} mod "
                             f"{number(then['reports'])} i {previous_name} – {words}.")
    mix = tables.get("offence-mix")
    if mix is not None and not mix.empty:
        year = mix[mix["period"] == focus].groupby("category")["reports"].sum()
        if year.sum():
            top = year.idxmax()
            lines.append(f"Flest anmeldelser for {category_names.get(top, top).lower()} ({number(year.max())}).")
    share = tables.get("reports-share")
    if share is not None and not share.empty:
        year = share[(share["period"] == focus) & share["share_pct"].notna()]
        present = list(dict.fromkeys(year["category"]))
        if present:
            category = "indbrud" if "indbrud" in present else present[0]
            rows = year[year["category"] == category].sort_values("share_pct", ascending=False)
            top = rows.iloc[0]
            name = category_names.get(category, category)
            if _share_leads(mix, focus=focus, category=category, top=top["district"],
                            runner_up=rows.iloc[1]["district"] if len(rows) > 1 else None, alpha=alpha):
                lines.append(f"{name}: {top['district']} har den største andel "
                             f"({number(top['share_pct'], 0)} %) korrigeret for indbyggertal.")
            else:
                lines.append(f"{name}: bydelene ligger på niveau korrigeret for indbyggertal (andele fra "
                             f"{number(rows['share_pct'].min(), 0)} % til {number(top['share_pct'], 0)} %; "
                             f"forskellene er ikke statistisk sikre).")
    residence = tables.get("charged-persons-residence")
    if residence is not None and not residence.empty:
        year = residence[residence["period"] == focus]
        own = year[(year["home_municipality"] == municipality_name) & (year["home_district"] == "")]
        others = year[(year["home_municipality"] != municipality_name) & (year["home_municipality"] != "Uoplyst")]
        persons = pd.to_numeric(others["persons"], errors="coerce")
        if not own.empty:
            text = f"{number(own['persons'].iloc[0])} sigtede personer boede i {municipality_name} selv"
            if persons.notna().any() and persons.sum():
                top = others.loc[cast(Any, persons.idxmax())]
                text += (f"; {number(persons.sum())} kom fra andre kommuner, flest fra "
                         f"{top['home_municipality']} ({number(top['persons'])})")
            lines.append(text + ".")
    return [line for line in lines if not re.search(r"\bnan\b", line)]


def _share_leads(mix: pd.DataFrame | None, *, focus: str, category: str, top: str, runner_up: str | None,
                 alpha: float) -> bool:
    """Is the district with the largest share significantly above the next one (their rates, fig. 4's counts)?"""
    if runner_up is None:
        return False
    if mix is None or mix.empty:
        return False
    rows: Any = mix[(mix["period"] == focus) & (mix["category"] == category)].set_index("district")
    if top not in rows.index or runner_up not in rows.index:
        return False
    return _differ(rows.loc[top], rows.loc[runner_up], alpha)
