"""The access policy with the objects of the apps above accounts: which municipality an import batch or a
half-year report named in a URL belongs to (accounts knows neither app)."""

from __future__ import annotations

from accounts import middleware
from districts.models import Municipality
from importers.models import ImportBatch
from reports.models import HalfYearReport


def _batch_municipality(batch_id) -> Municipality | None:
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("municipality").first()
    return batch.municipality if batch else None


def _report_municipality(report_id) -> Municipality | None:
    report = HalfYearReport.objects.filter(pk=report_id).select_related("municipality").first()
    return report.municipality if report else None


def _batch_touches_role(user, roles, batch_id) -> bool:
    """A batch is also its touched municipalities' (the view narrows it further)."""
    touched = ImportBatch.municipalities.through.objects.filter(importbatch_id=batch_id).values("municipality_id")
    return user.memberships.filter(role__name__in=roles, municipality_id__in=touched).exists()


class AccessPolicyMiddleware(middleware.AccessPolicyMiddleware):
    object_municipality = {"batch_id": _batch_municipality, "report_id": _report_municipality}
    object_grants = {"batch_id": _batch_touches_role}
