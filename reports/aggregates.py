"""The aggregate table behind the figures: refreshed set-wise for the municipalities a write touched."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from .models import Charge, OffenceAggregate, ReportedOffence

DATE_FIELDS = {"report": "report_date", "offence": "offence_date"}


@transaction.atomic
def aggregates_refresh(*, municipality_ids: Iterable[int]) -> int:
    """Recompute the aggregate rows of these municipalities from the offences and charges."""
    ids = sorted(set(municipality_ids))
    if not ids:
        return 0
    OffenceAggregate.objects.filter(municipality_id__in=ids).delete()
    rows: dict[tuple, OffenceAggregate] = {}
    for basis, field in DATE_FIELDS.items():
        offences = (ReportedOffence.objects.filter(municipality_id__in=ids, **{f"{field}__isnull": False})
                    .annotate(m=TruncMonth(field)).values_list("municipality_id", "district_id", "code", "m")
                    .annotate(n=Count("id")).order_by())
        for muni, district, code, month, n in offences:
            rows[(muni, district, code, _date(month), basis)] = OffenceAggregate(
                municipality_id=muni, district_id=district, code=code, month=_date(month), basis=basis, reports=n)
        charges = (Charge.objects.filter(offence__municipality_id__in=ids, **{f"offence__{field}__isnull": False})
                   .annotate(m=TruncMonth(f"offence__{field}"))
                   .values_list("offence__municipality_id", "offence__district_id", "offence__code", "m")
                   .annotate(n=Count("id")).order_by())
        for muni, district, code, month, n in charges:
            key = (muni, district, code, _date(month), basis)
            if key not in rows:
                rows[key] = OffenceAggregate(municipality_id=muni, district_id=district, code=code,
                                             month=_date(month), basis=basis)
            rows[key].charges = n
    OffenceAggregate.objects.bulk_create(rows.values(), batch_size=5000)
    return len(rows)


def _date(value):
    return value.date() if hasattr(value, "date") else value
