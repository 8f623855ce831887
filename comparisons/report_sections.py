"""The half-year report's sections that show comparisons' numbers: the indicators and the comparison with other
municipalities. ``reports`` may not import this app, so ``ComparisonsConfig.ready`` registers them with the report
(``reports.halfyear.services.section_source_register``)."""

from __future__ import annotations

from common.formatting import number
from districts.models import Municipality

from .pages import indicator_rows
from .services import comparison_table


def indicators_section(*, municipality: Municipality, config: dict) -> dict:
    """The indicators with their baseline, target, latest value and status."""
    rows = []
    for row in indicator_rows(municipality):
        latest = row["latest_period"]
        rows.append([row["indicator"].name, f"{number(row['baseline_value'], 1)} ({row['baseline_period'].label})",
                     f"{number(row['target_value'], 1)} ({row['target_period'].label})",
                     f"{number(row['latest_value'], 1)} ({latest.label})" if latest else "–", row["status_label"]])
    return {"caption": "Mål og indikatorer", "rows": rows,
            "headers": ["Indikator", "Udgangspunkt", "Mål", "Seneste", "Status"]}


def comparison_section(*, municipality: Municipality, config: dict) -> dict:
    """Reports per 1,000 residents in the focus period beside the municipality's peers (DST)."""
    table = comparison_table(municipality=municipality, period=config["focus"], categories=["TOT"])
    return {"caption": f"Anmeldte forbrydelser pr. 1.000 indbyggere, {config['focus']} (DST)",
            "headers": ["Kommune", "Anmeldelser", "Indbyggere", "Pr. 1.000"],
            "rows": [[r.municipality, number(r.reports, 0), number(r.population, 0), number(r.reports_per_1000, 1)]
                     for r in table.itertuples()]}
