"""The import services' public names. The way of a file: ``imports.file_import`` (detect, parse, validate,
write in one transaction); each file kind is a module of ``importers.kinds``; a batch's status changes in
``lifecycle``; the jobs' bodies are in ``runs``."""

from .imports import KINDS, file_import, kind_detect
from .progress import progress_get
from .results import ImportResult
from .rollback import batch_rollback

__all__ = ["KINDS", "ImportResult", "batch_rollback", "file_import", "kind_detect", "progress_get"]
