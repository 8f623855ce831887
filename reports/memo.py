"""Request-scoped memo: within ``memo()``, identical calls of a ``memoised`` function compute once.

A page draws many figures from the same few selector results and reads the data version for
every cached piece; inside the block each of those is computed once per page. Nothing inside the
block may write data, since a memoised value would then be older than the data.

``prefetch`` starts such a call early, in a thread with its own database connection, so that a slow
query runs in the database while this thread draws the rest of the page.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import DatabaseError, connection, connections
from django.utils import translation

log = logging.getLogger(__name__)
_MEMO: ContextVar[dict | None] = ContextVar("selector_memo", default=None)
# Threads for prefetched calls; created when first used, so none exist in a server's parent process before it forks.
_PREFETCH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prefetch")


@contextmanager
def memo():
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _key(function, kwargs: dict) -> tuple:
    return (function.__name__, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))


def memoised(function):
    """Memoise a keyword-only function within ``memo()``; arguments are keyed by their repr, so they must
    be small values (models, dates, lists of strings), never data frames. Results with ``copy()`` are
    handed out as copies, so a caller cannot change the memo. A prefetched call is waited for."""
    @wraps(function)
    def wrapper(**kwargs):
        store = _MEMO.get()
        if store is None:
            return function(**kwargs)
        key = _key(function, kwargs)
        if key not in store:
            store[key] = function(**kwargs)
        if isinstance(store[key], Future):
            try:
                store[key] = store[key].result()  # raises what the call raised, as computing it here would
            except DatabaseError:  # e.g. no connection to spare for the thread: compute here after all
                log.warning("A prefetched %s failed in its thread; computing it here", function.__name__,
                            exc_info=True)
                store[key] = function(**kwargs)
        return store[key].copy() if hasattr(store[key], "copy") else store[key]
    return wrapper


def prefetch(function, **kwargs) -> bool:
    """Start the memoised ``function(**kwargs)`` in another thread; within this memo, the call with the same
    arguments then waits for that result instead of computing it.

    The thread reads on its own database connection, so only committed data: inside a transaction (which may
    hold writes of its own) nothing is prefetched and the call computes here as usual; then it returns False.
    """
    store = _MEMO.get()
    if store is None or connection.in_atomic_block:
        return False
    key = _key(function, kwargs)
    if key not in store:
        store[key] = _PREFETCH.submit(_in_thread, function, translation.get_language(), kwargs)
    return True


def _in_thread(function, language: str | None, kwargs: dict):
    try:
        with translation.override(language), memo():
            return function(**kwargs)
    finally:
        connections.close_all()  # this thread's connections only: the next task may run much later
