"""How far a running import is: the share of its rows written, for the batch's page.

The write runs inside one transaction, so ``batch.progress`` is set through a connection of its own
(PostgreSQL) that commits at once; other processes (the web page, a Celery worker) see it while the
import runs. SQLite allows one writer at a time, so there the cache carries the progress until the
import's transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection

from importers.models import ImportBatch

log = logging.getLogger(__name__)


def _progress_key(batch_id: int) -> str:
    return f"import-progress-{batch_id}"


def progress_get(batch_id: int) -> int | None:
    return cache.get(_progress_key(batch_id))


def progress_set(batch_id: int, percent: int) -> None:
    cache.set(_progress_key(batch_id), percent, 3600)


class ProgressTracker:
    """Counts written rows; shows the share in the cache, in ``batch.progress`` and to ``callback``."""

    def __init__(self, batch: ImportBatch, total: int, callback: Callable[[int, int], None] | None):
        self.batch, self.total, self.done, self.callback = batch, max(total, 1), 0, callback
        self.saved = -1
        self.side: Any = None  # a raw DB-API connection of its own, opened on first use
        self.side_failed = False

    def __call__(self, n: int) -> None:
        self.done += n
        percent = min(99, round(100 * self.done / self.total))
        progress_set(self.batch.pk, percent)
        if percent != self.saved:
            self.saved = percent
            self._save(percent)
        if self.callback:
            self.callback(self.done, self.total)

    def _save(self, percent: int) -> None:
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.batch.pk).update(progress=percent)
            return
        if connection.vendor != "postgresql" or self.side_failed:
            return
        table = connection.ops.quote_name(ImportBatch._meta.db_table)
        try:
            if self.side is None:
                self.side = connection.get_new_connection(connection.get_connection_params())
                self.side.autocommit = True
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [percent, self.batch.pk])
        except DatabaseError:  # progress is a nicety; never fail an import over it
            log.warning("Could not save the progress of import batch %s", self.batch.pk, exc_info=True)
            self.side_failed = True

    def close(self) -> None:
        if self.side is not None:
            try:
                self.side.close()
            except DatabaseError:
                pass
            self.side = None
