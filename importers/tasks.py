"""Running a confirmed import: a Celery task on Redis when configured, else a thread."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from dke_dashboard.background import thread_start
from reports.warm import dashboards_warm_later

from .models import ImportBatch
from .storage import upload_discard, upload_path

log = logging.getLogger(__name__)


def import_execute(batch_id: int) -> None:
    """Load the stored upload of a previewed batch for real."""
    from districts.models import Municipality
    from importers.services import file_import

    batch = ImportBatch.objects.select_related("user", "municipality").get(pk=batch_id)
    options = {k: v for k, v in batch.options.items() if not k.startswith("_")}
    try:
        result = file_import(
            path=upload_path(batch.sha256), file_name=batch.file_name, kind=batch.kind,
            municipality=Municipality.objects.filter(pk=batch.municipality_id).first(), user=batch.user,
            options=options, batch=batch,
        )
    except Exception:  # a crash must not leave the batch "running" forever
        log.exception("Import of batch %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED)
        raise
    finally:  # the file may hold personal data: it is kept no longer than its import
        upload_discard(batch.sha256)
    if result.batch.status == ImportBatch.Status.DONE:  # after the import, never part of its outcome
        dashboards_warm_later()


@shared_task(name="importers.import_run")
def import_run(batch_id: int) -> None:
    import_execute(batch_id)


def import_start(batch: ImportBatch) -> str:
    """Queue the import; returns how it runs ("celery", "thread" or "inline")."""
    batch.status = ImportBatch.Status.QUEUED
    batch.save(update_fields=["status"])
    if settings.CELERY_BROKER_URL:
        import_run.delay(batch.pk)
        return "celery"
    if settings.IMPORT_RUN_INLINE:
        import_execute(batch.pk)
        return "inline"
    thread_start(lambda: import_execute(batch.pk), name=f"import-{batch.pk}")
    return "thread"
