"""One writer at a time per process on SQLite, queued in Python instead of busy-waiting.

SQLite allows one write transaction at a time. Threads of a web process that collide on
its lock back off with sleeps of up to 100 ms, which shows up as long tails under load; a
process-local lock queues them without sleeping. PostgreSQL needs none of this.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection

_lock = threading.Lock()


@contextlib.contextmanager
def write_lock() -> Iterator[None]:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _lock:
        yield
