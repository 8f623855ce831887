"""Request-scoped memo: within ``memo()``, identical calls of a ``memoised`` function compute once.

A page draws many figures from the same few selector results and reads the data version for
every cached piece; inside the block each of those is computed once per page. Nothing inside the
block may write data, since a memoised value would then be older than the data.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

_MEMO: ContextVar[dict | None] = ContextVar("selector_memo", default=None)


@contextmanager
def memo():
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoised(function):
    """Memoise a keyword-only function within ``memo()``; arguments are keyed by their repr, so they must
    be small values (models, dates, lists of strings), never data frames. Results with ``copy()`` are
    handed out as copies, so a caller cannot change the memo."""
    @wraps(function)
    def wrapper(**kwargs):
        store = _MEMO.get()
        if store is None:
            return function(**kwargs)
        key = (function.__name__, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        if key not in store:
            store[key] = function(**kwargs)
        return store[key].copy() if hasattr(store[key], "copy") else store[key]
    return wrapper
