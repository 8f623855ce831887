"""Uploaded files wait on disk, by their SHA-256, between preview and import (never in the database).

A police file can hold CPR numbers and names, so a stored upload lives no longer than it is
needed: it is deleted when its import ends (done, rejected, failed or unchanged), and uploads
that were previewed but never confirmed are purged after ``IMPORT_UPLOAD_KEEP_HOURS``.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_store(data: bytes, sha256: str) -> None:
    path = _folder() / sha256
    if not path.exists():
        path.write_bytes(data)


def upload_path(sha256: str) -> Path:
    return _folder() / sha256


def upload_discard(sha256: str) -> bool:
    """Delete the stored upload unless another batch still waits for the same file."""
    from .models import ImportBatch

    waiting = (ImportBatch.Status.PREVIEWING, ImportBatch.Status.PREVIEW, ImportBatch.Status.QUEUED,
               ImportBatch.Status.RUNNING)
    if ImportBatch.objects.filter(sha256=sha256, status__in=waiting).exists():
        return False
    upload_path(sha256).unlink(missing_ok=True)
    return True


def uploads_purge(*, hours: float | None = None) -> int:
    """Delete stored uploads older than ``hours`` (default the setting) whose import is not under way
    (an import whose job died is not: its file goes, and starting it again says so)."""
    from .jobs import job_stalled
    from .models import ImportBatch

    limit = time.time() - 3600 * (settings.IMPORT_UPLOAD_KEEP_HOURS if hours is None else hours)
    importing = ImportBatch.objects.filter(status__in=(ImportBatch.Status.PREVIEWING, ImportBatch.Status.QUEUED,
                                                      ImportBatch.Status.RUNNING))
    busy = {batch.sha256 for batch in importing if not job_stalled(batch)}
    removed = 0
    for path in _folder().iterdir():
        if path.is_file() and path.name not in busy and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
