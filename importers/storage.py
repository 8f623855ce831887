"""A file store: uploads wait on disk, by their SHA-256, between preview and import (never in the database).

A police file can hold CPR numbers and names, so a stored upload lives no longer than it is needed:
``importers.services.lifecycle`` deletes it when its import ends and purges uploads nobody confirmed.
Beside an upload the store keeps what its preview parsed (``parsed_*``), so the import does not read
the file a second time.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path
from typing import Any

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


def _parsed_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "parsed"  # beside the uploads' folder, which holds uploads only
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _parsed_path(sha256: str, key: str) -> Path:
    return _parsed_folder() / f"{sha256}.{key}"


def parsed_store(sha256: str, key: str, value: Any) -> None:
    """Keep what reading the upload ``sha256`` gave (``key`` names how it was read: kind and options)."""
    path = _parsed_path(sha256, key)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


def parsed_get(sha256: str, key: str) -> Any | None:
    """What ``parsed_store`` kept for the upload, or None. Only this store writes these files (under
    MEDIA_ROOT, never from a user), so unpickling them is safe."""
    path = _parsed_path(sha256, key)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return pickle.load(handle)  # noqa: S301 - our own file, see above


def upload_delete(sha256: str) -> None:
    """Delete the upload and what was parsed from it."""
    upload_path(sha256).unlink(missing_ok=True)
    for path in _parsed_folder().glob(f"{sha256}.*"):
        path.unlink(missing_ok=True)


def uploads_delete_older(*, seconds: float, keep: set[str]) -> int:
    """Delete the uploads stored more than ``seconds`` ago, except those named in ``keep``; how many."""
    limit = time.time() - seconds
    removed = 0
    for path in _folder().iterdir():
        if path.is_file() and path.name not in keep and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    for path in _parsed_folder().iterdir():  # what was parsed from them goes with them
        if path.name.split(".", 1)[0] not in keep and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
    return removed
