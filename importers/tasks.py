"""Running a confirmed import, a rollback or the preview of a large upload: a Celery task on Redis when
configured, else a thread.

A rollback regroups the derived tables of the months its rows touch; for a large batch that takes
longer than a web request may (gunicorn's default timeout is 30 s), so it runs in the background too.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from common.background import thread_start
from reports.warm import dashboards_warm_later

from .jobs import job_claim, job_hold
from .models import ImportBatch
from .storage import upload_discard, upload_path

log = logging.getLogger(__name__)


def _batch_file_import(batch: ImportBatch, **how):
    """``file_import`` of a claimed batch's stored upload, with the municipality, user and options it was uploaded
    with (the batch's own bookkeeping, the ``_``-keys, left out)."""
    from districts.models import Municipality
    from importers.services import file_import

    options = {k: v for k, v in batch.options.items() if not k.startswith("_")}
    return file_import(file_name=batch.file_name, municipality=Municipality.objects.filter(pk=batch.municipality_id).first(),
                       user=batch.user, options=options, batch=batch, **how)


def import_execute(batch_id: int) -> None:
    """Load the stored upload of a previewed batch for real."""
    with job_hold(batch_id):  # a second delivery of the task waits here, then finds the batch done
        batch = job_claim(batch_id, ImportBatch.Status.QUEUED)
        if batch is None:
            return
        try:
            result = _batch_file_import(batch, path=upload_path(batch.sha256), kind=batch.kind)
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


def preview_keep(result) -> None:
    """Keep a preview's rows, columns and message on its batch for the batch's page."""
    batch = result.batch
    batch.options = {**batch.options, "_preview": result.preview, "_columns": result.columns,
                     "_message": result.message}
    batch.save(update_fields=["options"])


def preview_execute(batch_id: int) -> None:
    """Read a large upload for its preview (a dry run): as a job, so the upload's request does not parse it.

    The batch is then "til godkendelse" with its preview, or rejected (its upload deleted at once)."""
    with job_hold(batch_id):
        batch = job_claim(batch_id, ImportBatch.Status.PREVIEWING)
        if batch is None:
            return
        try:
            result = _batch_file_import(batch, data=upload_path(batch.sha256).read_bytes(),
                                        kind=batch.options.get("_kind_requested", batch.kind), dry_run=True)
            preview_keep(result)
        except Exception:
            log.exception("Preview of batch %s failed", batch_id)
            ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED, finished_at=timezone.now())
            upload_discard(batch.sha256)
            raise
        if result.batch.status != ImportBatch.Status.PREVIEW:  # rejected: nothing will be imported
            upload_discard(batch.sha256)


@shared_task(name="importers.preview_run")
def preview_run(batch_id: int) -> None:
    preview_execute(batch_id)


def rollback_execute(batch_id: int, user_id: int | None = None) -> None:
    """Roll a batch back; its outcome is kept on the batch for its page. A batch that cannot be rolled
    back (a later batch changed its rows) or whose rollback fails stays as it was."""
    from django.contrib.auth import get_user_model

    from importers.services import batch_rollback

    with job_hold(batch_id):
        batch = job_claim(batch_id, ImportBatch.Status.ROLLING_BACK)
        if batch is None:
            return
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        try:
            result = batch_rollback(batch=batch, user=user)
        except Exception:
            log.exception("Rollback of batch %s failed", batch_id)
            rollback_outcome(batch_id, ok=False, message=f"Tilbagerulningen af kørsel #{batch_id} fejlede; intet er "
                                                           "ændret. Prøv igen, eller kontakt driften.")
            raise
        rollback_outcome(batch_id, ok=result.ok, message=result.message)
    if result.ok:
        dashboards_warm_later()


def rollback_outcome(batch_id: int, *, ok: bool, message: str) -> None:
    """Keep the outcome of a rollback on the batch for its page; a batch not rolled back is "indlæst" again."""
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.options = {**batch.options, "_rollback": {"ok": ok, "message": message}}
    if not ok:
        batch.status = ImportBatch.Status.DONE
    batch.save(update_fields=["options", "status"])


@shared_task(name="importers.rollback_run")
def rollback_run(batch_id: int, user_id: int | None = None) -> None:
    rollback_execute(batch_id, user_id)


def _run(task, execute, *args, name: str) -> str:
    """Run ``execute(*args)`` as the Celery ``task``, inline or in a thread; returns which."""
    if settings.CELERY_BROKER_URL:
        task.delay(*args)
        return "celery"
    if settings.IMPORT_RUN_INLINE:
        execute(*args)
        return "inline"
    thread_start(lambda: execute(*args), name=name)
    return "thread"


def preview_queue(data: bytes, *, file_name: str, kind: str, municipality, user, options: dict) -> ImportBatch:
    """Store a large upload and queue its preview: a batch "forhåndsvises" whose page follows the job."""
    import hashlib

    from .storage import upload_store

    sha256 = hashlib.sha256(data).hexdigest()
    upload_store(data, sha256)
    kinds = {k for k, _label in ImportBatch.Kind.choices}
    batch = ImportBatch.objects.create(
        file_name=file_name[:255], kind=kind if kind in kinds else ImportBatch.Kind.OFFENCES, sha256=sha256,
        municipality=municipality, user=user if getattr(user, "is_authenticated", False) else None,
        status=ImportBatch.Status.PREVIEWING, options={**options, "_kind_requested": kind},
    )
    preview_start(batch)
    return batch


def preview_start(batch: ImportBatch) -> str:
    """Queue the preview of a stored upload; returns how it runs ("celery", "thread" or "inline")."""
    batch.status, batch.job_queued_at = ImportBatch.Status.PREVIEWING, timezone.now()
    batch.save(update_fields=["status", "job_queued_at"])
    return _run(preview_run, preview_execute, batch.pk, name=f"preview-{batch.pk}")


def import_start(batch: ImportBatch) -> str:
    """Queue the import; returns how it runs ("celery", "thread" or "inline")."""
    batch.status, batch.job_queued_at = ImportBatch.Status.QUEUED, timezone.now()
    batch.save(update_fields=["status", "job_queued_at"])
    return _run(import_run, import_execute, batch.pk, name=f"import-{batch.pk}")


def rollback_start(batch: ImportBatch, user=None) -> str:
    """Queue the rollback of a batch; returns how it runs ("celery", "thread" or "inline")."""
    batch.status, batch.job_queued_at = ImportBatch.Status.ROLLING_BACK, timezone.now()
    batch.options = {k: v for k, v in batch.options.items() if k != "_rollback"}
    batch.save(update_fields=["status", "options", "job_queued_at"])
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    return _run(rollback_run, rollback_execute, batch.pk, user_id, name=f"rollback-{batch.pk}")
