"""A figure's table as people read it: column labels, cell texts (Danish or English numbers through
``common.formatting``) and the HTML rows. The dashboard, the figure template tag and the report's appendix use it."""

from __future__ import annotations

from html import escape

import pandas as pd
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import number, percent

from .charts import UNKNOWN_LABEL
from .uncertainty import p_text

COLUMN_LABELS = {
    "period": gettext_lazy("Periode"), "district": gettext_lazy("Bydel"), "category": gettext_lazy("Gerningstype"),
    "reports": gettext_lazy("Anmeldelser"), "population": gettext_lazy("Indbyggere"),
    "reports_per_1000": gettext_lazy("Pr. 1.000 indbyggere"), "share_pct": gettext_lazy("Andel"),
    "charges": gettext_lazy("Sigtelser"), "home_municipality_code": gettext_lazy("Kommunekode"),
    "home_municipality": gettext_lazy("Bopælskommune"), "home_district": gettext_lazy("Bopælsbydel"),
    "persons": gettext_lazy("Sigtede personer"), "age_group": gettext_lazy("Aldersgruppe"),
    "persons_per_1000": gettext_lazy("Pr. 1.000 i aldersgruppen"),
    # the uncertainty columns ("Vis usikkerhed", reports.uncertainty)
    "reports_ci_low": gettext_lazy("Anmeldelser, 95 %-interval fra"),
    "reports_ci_high": gettext_lazy("Anmeldelser, 95 %-interval til"),
    "charges_ci_low": gettext_lazy("Sigtelser, 95 %-interval fra"),
    "charges_ci_high": gettext_lazy("Sigtelser, 95 %-interval til"),
    "persons_ci_low": gettext_lazy("Sigtede, 95 %-interval fra"),
    "persons_ci_high": gettext_lazy("Sigtede, 95 %-interval til"),
    "rate_ci_low": gettext_lazy("Pr. 1.000, 95 %-interval fra"),
    "rate_ci_high": gettext_lazy("Pr. 1.000, 95 %-interval til"),
    "share_ci_low": gettext_lazy("Andel, 95 %-interval fra"),
    "share_ci_high": gettext_lazy("Andel, 95 %-interval til"),
    "change_p_value": gettext_lazy("p-værdi for ændringen"),
}
INTERVAL_COLUMNS = ("reports_ci_low", "reports_ci_high", "charges_ci_low", "charges_ci_high", "persons_ci_low",
                    "persons_ci_high", "rate_ci_low", "rate_ci_high", "share_ci_low", "share_ci_high")
# Right-aligned number columns of the figure tables (rates per 1,000 with one decimal, shares in whole per cent).
NUMBER_COLUMNS = ("reports", "population", "reports_per_1000", "share_pct", "charges", "persons", "persons_per_1000",
                  *INTERVAL_COLUMNS, "change_p_value")


def cell_text(column: str, value) -> str:
    """A table cell as shown: Danish numbers, rates with one decimal, shares in whole per cent."""
    if column == "share_pct":
        return percent(value)
    if column == "change_p_value":
        return p_text(value).removeprefix("p = ").replace("p ", "") or "–"
    if column in ("reports_per_1000", "persons_per_1000") or column in INTERVAL_COLUMNS:
        return number(value, 1)
    if column in NUMBER_COLUMNS:
        return number(value, 0)
    return "" if value is None else str(value)


def table_display(table: pd.DataFrame, names: dict[str, str], *,
                  period_labels: dict[str, str] | None = None) -> tuple[list[tuple[str, str]], list[list]]:
    """Headers [(column, label)] and rows of cells (text as shown, "num" or "text", column). ``period_labels``
    names periods otherwise than their code: "2026 til og med 31-10", "Ingen data for 2026 endnu"."""
    period_labels = period_labels or {}
    headers = [(c, str(COLUMN_LABELS.get(c, c))) for c in table.columns]
    rows = []
    for record in table.astype(object).to_dict("records"):
        cells = []
        for column, value in record.items():
            if column == "category":
                value = names.get(value, value)
            elif column == "period" and value in period_labels:
                value = period_labels[value]
            elif column == "district" and value == "":
                value = str(UNKNOWN_LABEL)
            elif column == "home_district" and value == "" and record.get("age_group"):
                value = _("Hele kommunen")  # young-charged-share: the municipality's own row
            kind = "num" if column in NUMBER_COLUMNS else "text"
            cells.append((cell_text(str(column), value), kind, column))
        rows.append(cells)
    return headers, rows


def table_body(rows: list[list]) -> SafeString:
    """The rows as HTML table rows, built here rather than cell by cell in a template (thousands of cells)."""
    cell = {"num": '<td class="num">{}</td>', "text": "<td>{}</td>"}
    html = "\n".join("<tr>" + "".join(cell[kind].format(escape(text)) for text, kind, _column in row) + "</tr>"
                     for row in rows)
    return mark_safe(html)  # noqa: S308 - every cell text is escaped above
