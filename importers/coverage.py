"""How far a municipality's police extracts reach, as the analysts stated it: the end of the replaced period of
a finished police import. ``reports.coverage`` takes the later of this and the latest report date; the
importers register it there (``ImportersConfig.ready``), because reports may not import this app."""

from __future__ import annotations

import datetime as dt

from districts.models import Municipality

from .models import ImportBatch


def stated_extract_end(municipality: Municipality) -> dt.date | None:
    """The latest end of a replaced period of a finished police import for this municipality."""
    ends = []
    batches = ImportBatch.objects.filter(
        status=ImportBatch.Status.DONE,
        kind__in=[ImportBatch.Kind.OFFENCES, ImportBatch.Kind.POLICE],
    ).filter(municipalities=municipality).values_list("options", flat=True)
    for options in batches:
        replace = (options or {}).get("replace_period")
        if replace and len(replace) == 2:
            try:
                ends.append(dt.date.fromisoformat(str(replace[1])))
            except ValueError:
                continue
    return max(ends, default=None)
