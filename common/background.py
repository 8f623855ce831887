"""Background work without a broker: a daemon thread of the web process with its own database connection."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection

log = logging.getLogger(__name__)


def thread_start(target: Callable[[], object], *, name: str) -> None:
    """Run ``target`` in a daemon thread; its failure is logged, and its connection closed at the end."""

    def run() -> None:
        close_old_connections()
        try:
            target()
        except Exception:
            log.exception("Background job %s failed", name)
        finally:
            connection.close()

    threading.Thread(target=run, name=name, daemon=True).start()
