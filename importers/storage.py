"""Uploaded files are kept on disk by their SHA-256 (never in the database)."""

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


def upload_read(sha256: str) -> bytes:
    return (_folder() / sha256).read_bytes()


def upload_path(sha256: str) -> Path:
    return _folder() / sha256
