"""Importing in tests: a file that must be rejected leaves everything stored as it was."""

from __future__ import annotations

import json

from comparisons.models import DstValue
from districts.models import District, PopulationCount, StreetRange
from importers.models import ImportChange
from importers.services import ImportResult, file_import
from reports.models import ActivityFigure, CategoryRule, Charge, OffenceCategory, ReportedOffence


def stored_rows() -> tuple:
    """What every importer may write: the row tables by count, the reference tables by value."""
    return (
        ReportedOffence.objects.count(), Charge.objects.count(), ImportChange.objects.count(),
        sorted(PopulationCount.objects.values_list("municipality_id", "district_id", "date", "sex", "age_from",
                                                   "age_to", "count")),
        sorted(StreetRange.objects.values_list("street_name", "house_from", "house_to", "side", "district_id",
                                               "postcode")),
        sorted(ActivityFigure.objects.values_list("name", "period", "value", "unit", "district_id")),
        sorted(CategoryRule.objects.values_list("category__slug", "source", "prefix", "exclude")),
        sorted(OffenceCategory.objects.values_list("slug", "name")),
        sorted((pk, json.dumps(boundary, sort_keys=True)) for pk, boundary in
               District.objects.values_list("pk", "boundary")),
        sorted(DstValue.objects.values_list("table", "area_code", "dims", "period", "value")),
    )


def import_rejected(data: bytes | None, name: str = "fil.csv", **kw) -> ImportResult:
    """Import ``data`` (or ``path=``): it must be rejected, with nothing stored changed."""
    before = stored_rows()
    result = file_import(data=data, file_name=name, **kw)
    assert not result.ok, result.message
    assert result.batch.status == "rejected"
    assert stored_rows() == before
    return result


def person_key(value: str) -> str:
    """The stored key of a police person id (Person-ID, Løbenummer): ids are stored only as keyed hashes."""
    from django.conf import settings

    from common.persons import person_id_key

    return person_id_key(value, secret=settings.PERSON_KEY_SECRET)
