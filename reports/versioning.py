"""The data version: cached figure tables are keyed by it (see ``DataVersion``)."""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from .models import DataVersion

# Models whose rows a figure reads; editing one (admin, import) makes cached figures old.
WATCHED_APPS = {"districts", "reports", "comparisons"}
UNWATCHED = {"reports.dataversion", "reports.halfyearreport", "reports.reportsection"}


def data_version() -> int:
    return DataVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def data_changed(**_ignored) -> None:
    """Bump the version (in the caller's transaction: a rolled-back write leaves it as it was)."""
    if not DataVersion.objects.filter(pk=1).update(version=F("version") + 1):
        DataVersion.objects.update_or_create(pk=1, defaults={"version": 1})


def _on_row_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    data_changed()


def signals_connect(models) -> None:
    for model in models:
        label = model._meta.label_lower
        if model._meta.app_label in WATCHED_APPS and label not in UNWATCHED:
            post_save.connect(_on_row_change, sender=model, dispatch_uid=f"data-version-save-{label}")
            post_delete.connect(_on_row_change, sender=model, dispatch_uid=f"data-version-delete-{label}")
