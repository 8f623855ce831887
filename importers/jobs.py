"""Is the job of a batch still alive? Recovering imports and rollbacks whose process died.

An import or rollback runs in one transaction in a Celery worker or a thread of the web process.
If that process dies (a deploy restarts the web server, a worker is killed, Redis loses the queue),
the database rolls the transaction back, but the batch would stay "indlæses" or "rulles tilbage"
for ever, and its upload, which may hold CPR numbers, would stay on disk.

So a running job holds a lock that the death of its process releases:
- PostgreSQL: a session-level advisory lock on a connection of the job's own. Every web node sees it
  in ``pg_locks``; the server drops it when the connection goes.
- SQLite (one machine): an ``flock`` on a file under ``MEDIA_ROOT/jobs``; the kernel drops it when
  the process goes. A job deletes its file as it ends; the first look at the file of a job that died
  deletes it.

A batch is *stalled* when a job is due for it, no job holds its lock, and either a job had claimed it
(so that job is gone) or it has waited in the queue longer than ``IMPORT_QUEUE_PATIENCE_MINUTES``.
An analyst can then start it again or give it up (``importers.tasks.job_resume``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ImportBatch

log = logging.getLogger(__name__)

LOCK_CLASS = 0x444B45  # the advisory lock's first key ("DKE"); the second is the batch's id
TURN_CLASS = 0x444B54  # the first key of the writers' turn ("DKT")
WAIT_CLASS = 0x444B57  # held by a job's lock connection while the job waits for its turn ("DKW")
_held = threading.local()  # the batches whose lock this thread holds (a job may enter twice)


def _lock_path(batch_id: int) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"batch-{batch_id}.lock"


@contextmanager
def job_hold(batch_id: int) -> Iterator[None]:
    """Hold the lock of ``batch_id``'s job while the block runs; waits while another job holds it."""
    held: dict[int, object] = _held.__dict__.setdefault("sides", {})  # batch id → its lock's connection
    if batch_id in held:
        yield
        return
    try:
        if connection.vendor == "postgresql":
            side = connection.get_new_connection(connection.get_connection_params())
            side.autocommit = True
            held[batch_id] = side
            try:
                _advisory(side, "pg_advisory_lock", LOCK_CLASS, batch_id)
                try:
                    yield
                finally:  # at once: the server ends a closed session's locks a moment after close()
                    _advisory(side, "pg_advisory_unlock", LOCK_CLASS, batch_id)
            finally:
                side.close()  # were the unlock to fail, the server releases the lock with the session
        else:
            held[batch_id] = None
            path = _lock_path(batch_id)
            with _file_locked(path, fcntl.LOCK_EX):  # closing the file releases the lock
                try:
                    yield
                finally:
                    path.unlink(missing_ok=True)  # while still locked (see _file_locked)
    finally:
        held.pop(batch_id, None)


@contextmanager
def _file_locked(path: Path, operation: int) -> Iterator:
    """``path`` opened (created when missing) and ``flock``-ed with ``operation``; ``BlockingIOError``
    when ``operation`` does not wait and another process holds it.

    A job deletes its lock file as it ends, still holding the lock. Whoever opened the file before that
    and got the lock after it holds a file that is gone from the folder: they open the path again."""
    while True:
        with path.open("ab") as handle:
            fcntl.flock(handle, operation)
            try:
                current = path.stat().st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                current = False
            if current:
                yield handle
                return


def _advisory(conn, function: str, klass: int, key: int) -> None:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [klass, key])


def writers_turn(batch_id: int) -> float:
    """At the start of an import's or a rollback's transaction: wait until no other one is writing, and
    keep the turn until commit (PostgreSQL; SQLite lets one writer at a time in anyway).

    They write offences, charges and the derived tables in different orders: an offence import links
    the waiting charges that a charges import of the same quarter updates. Running side by side, each
    could hold a row the other needs, and PostgreSQL would abort one of them as a deadlock. Taking turns
    from the start, they never wait for each other halfway. Readers are not held up.

    While batch ``batch_id`` waits, its job's lock connection says so (``job_waiting``). Returns the
    seconds it waited, which are not the batch's own duration."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [TURN_CLASS])
        if cursor.fetchone()[0]:
            return 0.0
        started = time.perf_counter()
        side = _held.__dict__.get("sides", {}).get(batch_id)
        if side is not None:
            _advisory(side, "pg_advisory_lock", WAIT_CLASS, batch_id)
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [TURN_CLASS])
        finally:
            if side is not None:
                _advisory(side, "pg_advisory_unlock", WAIT_CLASS, batch_id)
        return time.perf_counter() - started


def _advisory_held(klass: int, key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s::oid AND objid = %s::oid AND objsubid = 2)", [klass, key])
        return bool(cursor.fetchone()[0])


def job_waiting(batch_id: int) -> bool:
    """Whether ``batch_id``'s job waits for another import or rollback to finish (``writers_turn``)."""
    return connection.vendor == "postgresql" and _advisory_held(WAIT_CLASS, batch_id)


def job_alive(batch_id: int) -> bool:
    """Whether a live process holds the lock of ``batch_id``'s job."""
    if connection.vendor == "postgresql":
        return _advisory_held(LOCK_CLASS, batch_id)
    path = _lock_path(batch_id)
    if not path.exists():
        return False
    try:
        with _file_locked(path, fcntl.LOCK_SH | fcntl.LOCK_NB):
            path.unlink(missing_ok=True)  # left by a job that died: no job holds it
    except BlockingIOError:
        return True
    return False


def job_stalled(batch: ImportBatch) -> bool:
    """Whether ``batch`` waits for a job that is gone: its process died, or the queue lost it."""
    if batch.status not in ImportBatch.WORKING or job_alive(batch.pk):
        return False
    claimed = batch.job_started_at is not None and (
        batch.job_queued_at is None or batch.job_started_at >= batch.job_queued_at)
    if not claimed:
        waiting = timezone.now() - (batch.job_queued_at or batch.created_at)
        if waiting <= dt.timedelta(minutes=settings.IMPORT_QUEUE_PATIENCE_MINUTES):
            return False
    # the job may have finished between reading the batch and looking for its lock
    return ImportBatch.objects.filter(pk=batch.pk, status__in=ImportBatch.WORKING).exists()
