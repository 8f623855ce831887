"""The jobs' bodies: a confirmed import, the preview of a large upload, a rollback. ``importers.tasks``
runs them as Celery tasks or threads; each holds its batch's lock (``importers.jobs``) while it runs."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from districts.models import Municipality
from importers.jobs import job_hold
from importers.models import ImportBatch
from importers.storage import upload_path
from reports.warm import dashboards_warm_later

from . import lifecycle
from .imports import file_import
from .results import ImportResult
from .rollback import batch_rollback

log = logging.getLogger(__name__)


def _batch_file_import(batch: ImportBatch, **how) -> ImportResult:
    """``file_import`` of a claimed batch's stored upload, with the municipality, user and options it was uploaded
    with (the batch's own bookkeeping, the ``_``-keys, left out)."""
    options = {k: v for k, v in batch.options.items() if not k.startswith("_")}
    return file_import(file_name=batch.file_name, municipality=(Municipality.objects.filter(pk=batch.municipality_id).first()
                                                                if batch.municipality_id else None),
                       user=batch.user, options=options, batch=batch, **how)


def import_execute(batch_id: int) -> None:
    """Load the stored upload of a previewed batch for real."""
    with job_hold(batch_id):  # a second delivery of the task waits here, then finds the batch done
        batch = lifecycle.batch_claim(batch_id, ImportBatch.Status.QUEUED)
        if batch is None:
            return
        try:
            result = _batch_file_import(batch, path=upload_path(batch.sha256), kind=batch.kind)
        except Exception:  # a crash must not leave the batch "running" forever
            log.exception("Import of batch %s failed", batch_id)
            lifecycle.job_failed(batch_id)
            raise
        finally:  # the file may hold personal data: it is kept no longer than its import
            lifecycle.upload_discard(batch.sha256)
    if result.batch.status == ImportBatch.Status.DONE:  # after the import, never part of its outcome
        dashboards_warm_later()


def preview_execute(batch_id: int) -> None:
    """Read a large upload for its preview (a dry run): as a job, so the upload's request does not parse it.

    The batch is then "til godkendelse" with its preview, or rejected (its upload deleted at once)."""
    with job_hold(batch_id):
        batch = lifecycle.batch_claim(batch_id, ImportBatch.Status.PREVIEWING)
        if batch is None:
            return
        try:
            result = _batch_file_import(batch, data=upload_path(batch.sha256).read_bytes(),
                                        kind=batch.options.get("_kind_requested", batch.kind), dry_run=True,
                                        keep_parsed=True)
            lifecycle.preview_keep(result)
        except Exception:
            log.exception("Preview of batch %s failed", batch_id)
            lifecycle.job_failed(batch_id, finished=True)
            lifecycle.upload_discard(batch.sha256)
            raise
        if result.batch.status != ImportBatch.Status.PREVIEW:  # rejected: nothing will be imported
            lifecycle.upload_discard(batch.sha256)


def rollback_execute(batch_id: int, user_id: int | None = None) -> None:
    """Roll a batch back; its outcome is kept on the batch for its page. A batch that cannot be rolled
    back (a later batch changed its rows) or whose rollback fails stays as it was."""
    with job_hold(batch_id):
        batch = lifecycle.batch_claim(batch_id, ImportBatch.Status.ROLLING_BACK)
        if batch is None:
            return
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        try:
            result = batch_rollback(batch=batch, user=user)
        except Exception:
            log.exception("Rollback of batch %s failed", batch_id)
            lifecycle.rollback_outcome(batch_id, ok=False, message=f"Tilbagerulningen af kørsel #{batch_id} fejlede; "
                                                                     "intet er ændret. Prøv igen, eller kontakt driften.")
            raise
        lifecycle.rollback_outcome(batch_id, ok=result.ok, message=result.message)
    if result.ok:
        dashboards_warm_later()
