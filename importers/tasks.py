"""Running the jobs of ``importers.services.runs`` (a confirmed import, a rollback, the preview of a large
upload): a Celery task on Redis when configured, else a thread (or inline, in tests).

A rollback regroups the derived tables of the months its rows touch; for a large batch that takes
longer than a web request may (gunicorn's default timeout is 30 s), so it runs in the background too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from celery import shared_task
from django.conf import settings

from common.background import thread_start
from importers.services import lifecycle
from importers.services.runs import import_execute, preview_execute, rollback_execute
from importers.storage import upload_store

from .models import ImportBatch

__all__ = ["import_execute", "import_start", "job_resume", "preview_execute", "preview_queue", "preview_start",
           "rollback_execute", "rollback_start"]


@shared_task(name="importers.import_run")
def import_run(batch_id: int) -> None:
    import_execute(batch_id)


@shared_task(name="importers.preview_run")
def preview_run(batch_id: int) -> None:
    preview_execute(batch_id)


@shared_task(name="importers.rollback_run")
def rollback_run(batch_id: int, user_id: int | None = None) -> None:
    rollback_execute(batch_id, user_id)


def _run(task, execute: Callable[..., None], *args, name: str) -> str:
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
    sha256 = hashlib.sha256(data).hexdigest()
    upload_store(data, sha256)
    batch = lifecycle.preview_queued_new(file_name=file_name, kind=kind, sha256=sha256, municipality=municipality,
                                         user=user, options=options)
    preview_start(batch)
    return batch


def preview_start(batch: ImportBatch) -> str:
    """Queue the preview of a stored upload; returns how it runs ("celery", "thread" or "inline")."""
    lifecycle.preview_queued(batch)
    return _run(preview_run, preview_execute, batch.pk, name=f"preview-{batch.pk}")


def import_start(batch: ImportBatch) -> str:
    """Queue the import; returns how it runs ("celery", "thread" or "inline")."""
    lifecycle.import_queued(batch)
    return _run(import_run, import_execute, batch.pk, name=f"import-{batch.pk}")


def rollback_start(batch: ImportBatch, user=None) -> str:
    """Queue the rollback of a batch; returns how it runs ("celery", "thread" or "inline")."""
    lifecycle.rollback_queued(batch)
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    return _run(rollback_run, rollback_execute, batch.pk, user_id, name=f"rollback-{batch.pk}")


def job_resume(batch: ImportBatch, *, retry: bool, user=None) -> tuple[bool, str]:
    """Start a stalled batch's job again (``retry``) or give it up (``lifecycle.batch_resume``); returns (done,
    message in Danish, or "" when the batch's page shows the outcome itself)."""
    done, message, job = lifecycle.batch_resume(batch, retry=retry, user=user)
    if job == "rollback":
        rollback_start(batch, user)
    elif job == "preview":
        preview_start(batch)
    elif job == "import":
        import_start(batch)
    return done, message
