"""A batch's life: every change of ``ImportBatch.status`` happens here and nowhere else.

    upload ─▶ previewing ─▶ preview ─▶ queued ─▶ running ─▶ done ─▶ rolling_back ─▶ rolled_back
                 │              │                    │          ▲          │
                 ▼              ▼                    ▼          └──────────┘ (rollback refused or failed)
              failed        rejected            failed / rejected / unchanged

A stalled job's batch is started again (``batch_resume``) or given up (failed). The batch's preview
(rows, columns, message) is kept in ``ImportBatch.preview`` for its page.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_log
from importers.jobs import job_stalled, job_waiting
from importers.models import ImportBatch
from importers.parsers.common import Problem
from importers.storage import upload_delete, upload_path, uploads_delete_older
from reports.versioning import data_changed

from .progress import progress_set
from .results import ImportResult

log = logging.getLogger(__name__)

# a stored upload is still needed while a batch waits for it or reads it
UPLOAD_NEEDED = (ImportBatch.Status.PREVIEWING, ImportBatch.Status.PREVIEW, ImportBatch.Status.QUEUED,
                 ImportBatch.Status.RUNNING)


def preview_queued_new(*, file_name: str, kind: str, sha256: str, municipality, user, options: dict) -> ImportBatch:
    """A new batch whose large upload a job previews ("forhåndsvises")."""
    kinds = {k for k, _label in ImportBatch.Kind.choices}
    return ImportBatch.objects.create(
        file_name=file_name[:255], kind=kind if kind in kinds else ImportBatch.Kind.OFFENCES, sha256=sha256,
        municipality=municipality, user=user if getattr(user, "is_authenticated", False) else None,
        status=ImportBatch.Status.PREVIEWING, options={**options, "_kind_requested": kind},
    )


def preview_queued(batch: ImportBatch) -> None:
    batch.status, batch.job_queued_at = ImportBatch.Status.PREVIEWING, timezone.now()
    batch.save(update_fields=["status", "job_queued_at"])


def import_queued(batch: ImportBatch) -> None:
    batch.status, batch.job_queued_at = ImportBatch.Status.QUEUED, timezone.now()
    batch.save(update_fields=["status", "job_queued_at"])


def rollback_queued(batch: ImportBatch) -> None:
    batch.status, batch.job_queued_at = ImportBatch.Status.ROLLING_BACK, timezone.now()
    batch.options = {k: v for k, v in batch.options.items() if k != "_rollback"}
    batch.save(update_fields=["status", "options", "job_queued_at"])


def batch_claim(batch_id: int, status: str) -> ImportBatch | None:
    """Inside ``job_hold``: the batch, marked as taken by this job, if it still waits in ``status``.

    A task delivered twice, or started again by an analyst while the first run was only slow, finds
    the batch done and does nothing."""
    batch = ImportBatch.objects.select_related("user", "municipality").get(pk=batch_id)
    if batch.status != status:
        log.info("Batch %s is %s, not %s: nothing to do", batch_id, batch.status, status)
        return None
    batch.job_started_at = timezone.now()
    ImportBatch.objects.filter(pk=batch_id).update(job_started_at=batch.job_started_at)
    return batch


def import_running(batch: ImportBatch) -> None:
    """The import's write begins (the batch is saved, so it has a number for its lock)."""
    batch.status = ImportBatch.Status.RUNNING
    batch.progress = 0
    batch.save()


def job_started(batch: ImportBatch) -> None:
    batch.job_started_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(job_started_at=batch.job_started_at)


def batch_finish(result: ImportResult, *, status: str, started: float, dry_run: bool, message: str) -> ImportResult:
    """The outcome of reading or importing a file, kept on its batch."""
    batch = result.batch
    result.message = message
    if status in (ImportBatch.Status.PREVIEW, ImportBatch.Status.DONE) and not result.rows_read:
        result.warnings.append("Filen har ingen rækker under overskriften: der er intet at indlæse.")
    batch.status = status
    batch.rows_read, batch.rows_created, batch.rows_updated = result.rows_read, result.rows_created, result.rows_updated
    batch.rows_unchanged, batch.rows_removed = result.rows_unchanged, result.rows_removed
    batch.rows_rejected = result.rows_rejected
    batch.errors = [p.as_dict() for p in result.errors]
    batch.error_count = result.error_total
    batch.warnings = result.warnings
    batch.period_from, batch.period_to = result.period_from, result.period_to
    batch.duration_seconds = round(time.perf_counter() - started, 3)
    batch.progress = 100 if status in (ImportBatch.Status.DONE, ImportBatch.Status.UNCHANGED) else batch.progress
    if not dry_run:
        batch.finished_at = timezone.now()
    batch.save()
    if status == ImportBatch.Status.DONE:
        progress_set(batch.pk, 100)
        data_changed()
    if status == ImportBatch.Status.REJECTED:
        _rejection_audit(result)
    return result


def _rejection_audit(result: ImportResult) -> None:
    """An audit entry for a refused file: who, its name, its hash and how many errors (never its content)."""
    batch = result.batch
    audit_log(user=batch.user, action="import_rejected", municipality=batch.municipality,
              target=f"#{batch.pk} {batch.file_name}: {result.error_total} fejl",
              details={"kind": batch.kind, "sha256": batch.sha256, "errors": result.error_total,
                       "preview": result.dry_run})


def preview_keep(result: ImportResult) -> None:
    """Keep a preview's rows, columns and message on its batch for the batch's page."""
    batch = result.batch
    batch.preview = {"rows": result.preview, "columns": result.columns, "message": result.message}
    batch.save(update_fields=["preview"])


def job_failed(batch_id: int, *, finished: bool = False) -> None:
    """A job crashed: its batch must not stay "running" for ever."""
    fields: dict[str, Any] = {"status": ImportBatch.Status.FAILED}
    if finished:
        fields["finished_at"] = timezone.now()
    ImportBatch.objects.filter(pk=batch_id).update(**fields)


def rolled_back(batch: ImportBatch, user) -> None:
    """Inside the rollback's transaction: the batch is rolled back."""
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = user if getattr(user, "is_authenticated", False) else None
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])


def rollback_outcome(batch_id: int, *, ok: bool, message: str) -> None:
    """Keep the outcome of a rollback on the batch for its page; a batch not rolled back is "indlæst" again."""
    batch = ImportBatch.objects.get(pk=batch_id)
    batch.options = {**batch.options, "_rollback": {"ok": ok, "message": message}}
    if not ok:
        batch.status = ImportBatch.Status.DONE
    batch.save(update_fields=["options", "status"])


def batch_resume(batch: ImportBatch, *, retry: bool, user=None) -> tuple[bool, str, str | None]:
    """A stalled batch started again (``retry``) or given up: (done, message in Danish or "" when the batch's
    page shows the outcome itself, the job to start: "rollback", "preview", "import" or None).

    Nothing of the dead job is stored: its transaction was rolled back with its connection."""
    if not job_stalled(batch):
        return False, f"Kørsel #{batch.pk} er ikke gået i stå (status: {batch.get_status_display()}).", None
    rolling_back = batch.status == ImportBatch.Status.ROLLING_BACK
    audit_log(user=user, action="import_retry" if retry else "import_abandon", municipality=batch.municipality,
              target=f"#{batch.pk} {batch.file_name}", details={"status": batch.status},
              municipalities=list(batch.municipalities.all()))
    if retry and rolling_back:
        return True, f"Tilbagerulningen af kørsel #{batch.pk} er startet igen.", "rollback"
    if rolling_back:
        rollback_outcome(batch.pk, ok=False, message=f"Tilbagerulningen af kørsel #{batch.pk} blev afbrudt og "
                                                     "opgivet; intet er ændret.")
        return True, "", None  # the page shows the outcome kept on the batch
    if retry and batch.status == ImportBatch.Status.PREVIEWING and upload_path(batch.sha256).exists():
        return True, f"Forhåndsvisningen af kørsel #{batch.pk} er startet igen.", "preview"
    if retry and upload_path(batch.sha256).exists():
        return True, f"Indlæsningen af kørsel #{batch.pk} er startet igen.", "import"
    reason = ("Indlæsningen blev afbrudt, og filen er ikke længere gemt" if retry else
              "Indlæsningen blev afbrudt og opgivet")
    message = f"{reason}; intet er gemt. Upload filen igen for at indlæse den."
    batch.status, batch.finished_at = ImportBatch.Status.FAILED, timezone.now()
    batch.errors, batch.error_count = [Problem(None, "", "", message).as_dict()], 1
    batch.save(update_fields=["status", "finished_at", "errors", "error_count"])
    upload_discard(batch.sha256)
    return not retry, message, None


def status_display(batch: ImportBatch) -> str:
    """The batch's status as its page shows it, saying when its job waits for its turn."""
    if batch.status in ImportBatch.WORKING and job_waiting(batch.pk):
        return _("%(status)s – venter på, at en anden kørsel bliver færdig") % {"status": batch.get_status_display()}
    return batch.get_status_display()


def upload_discard(sha256: str) -> bool:
    """Delete the stored upload unless another batch still waits for the same file."""
    if ImportBatch.objects.filter(sha256=sha256, status__in=UPLOAD_NEEDED).exists():
        return False
    upload_delete(sha256)
    return True


def uploads_purge(*, hours: float | None = None) -> int:
    """Delete stored uploads older than ``hours`` (default the setting) whose import is not under way
    (an import whose job died is not: its file goes, and starting it again says so)."""
    importing = ImportBatch.objects.filter(status__in=(ImportBatch.Status.PREVIEWING, ImportBatch.Status.QUEUED,
                                                      ImportBatch.Status.RUNNING))
    busy = {batch.sha256 for batch in importing if not job_stalled(batch)}
    keep_hours = settings.IMPORT_UPLOAD_KEEP_HOURS if hours is None else hours
    return uploads_delete_older(seconds=3600 * keep_hours, keep=busy)
