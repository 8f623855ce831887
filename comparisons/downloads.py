"""What the comparison page's downloads say about themselves ("Om tallene"): computed from DST alone."""

from __future__ import annotations

from django.db.models import Max
from django.utils.translation import gettext as _

from districts.models import Municipality
from reports.exporters import About, extracted_at
from reports.tables import COLUMN_LABELS

from .models import DstValue
from .services import category_label


def dst_series_last(area_code: str, *, table: str = "STRAF11") -> str | None:
    """The newest period of a DST series stored for an area (quarters sort in time order as text): the data
    date of the comparison page, which is computed from DST alone."""
    return DstValue.objects.filter(table=table, area_code=area_code).aggregate(last=Max("period"))["last"]


def dst_series_text(area_code: str, *, table: str = "STRAF11") -> str:
    last = dst_series_last(area_code, table=table)
    if last is None:
        return _("ingen tal fra Danmarks Statistik indlæst")
    return _("Danmarks Statistik (%(table)s) til og med %(period)s") % {"table": table, "period": last}


def comparison_about(*, municipality: Municipality, params: dict) -> About:
    """The "Om tallene" of the comparison page's download (DST series only)."""
    categories = params.get("categories") or ["TOT"]
    labels = {c: category_label(c) for c in categories}
    lines = [
        (_("Kommune"), f"{municipality.name} ({municipality.code})"),
        (_("Perioder"), params["period_from"] if params["period_from"] == params["period_to"]
         else f"{params['period_from']}–{params['period_to']}"),
        (_("Sammenlignet med"), params.get("peers") or _("politikredsen og hele landet")),
        (_("Overtrædelser"), ", ".join(f"{labels[c]} ({c})" for c in categories)),
        (_("Enhed"), _("Anmeldelser pr. 1.000 indbyggere")),
        (_("Kilde"), _("Danmarks Statistik: anmeldte forbrydelser (STRAF11) og befolkningen (FOLK1A) midt i "
                       "perioden, egne beregninger.")),
        (_("Data"), dst_series_text(municipality.code)),
    ]
    if params.get("intervals"):
        lines.append((_("Usikkerhed"), _("95 %-intervaller og p-værdi for ændringen fra perioden før")))
    lines.append((_("Hentet"), extracted_at()))
    headings = {**{c: str(label) for c, label in COLUMN_LABELS.items()},
                "municipality_code": _("Kommunekode"), "municipality": _("Kommune"), "category": _("Overtrædelse")}
    return About(lines=lines, headings=headings, category_names=labels)
