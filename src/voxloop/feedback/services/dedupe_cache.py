"""Each worker's in-memory duplicate index per workspace, kept in step with the database.

The index is rebuilt from stored feedback on first use (fingerprinting runs at >10,000
items/s) and caught up with items other workers analysed since, so nothing large is
written back per batch. Callers hold the workspace's analysis lock while using it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from voxloop.analysis.dedupe import DedupeIndex
from voxloop.feedback.models import FeedbackItem, Status

_CHUNK = 5_000
_lock = threading.Lock()


@dataclass
class _Entry:
    index: DedupeIndex
    created_at: datetime
    keys: set[int] = field(default_factory=set)
    synced_until: datetime | None = None


_cache: dict[int, _Entry] = {}


def _add_rows(entry: _Entry, rows: list[tuple[int, str, datetime | None]]) -> None:
    rows = [r for r in rows if r[0] not in entry.keys]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        for pk, text, _ in chunk:
            entry.index.add(pk, text)
            entry.keys.add(pk)
    stamps = [r[2] for r in rows if r[2] is not None]
    if stamps:
        latest = max(stamps)
        if entry.synced_until is None or latest > entry.synced_until:
            entry.synced_until = latest


def workspace_index(workspace_id: int, workspace_created_at: datetime) -> DedupeIndex:
    """The duplicate index holding every analysed, non-junk item of the workspace."""
    with _lock:
        entry = _cache.get(workspace_id)
        if entry is None or entry.created_at != workspace_created_at:
            entry = _Entry(index=DedupeIndex(), created_at=workspace_created_at)
            _cache[workspace_id] = entry
        qs = FeedbackItem.objects.filter(
            workspace_id=workspace_id, status__in=[Status.ANALYZED, Status.DUPLICATE]
        )
        if entry.synced_until is not None:
            qs = qs.filter(analyzed_at__gte=entry.synced_until)
        rows = list(qs.order_by("id").values_list("id", "redacted_text", "analyzed_at"))
        _add_rows(entry, rows)
        return entry.index


def remember(workspace_id: int, keys: list[int], analyzed_at: datetime) -> None:
    """Record that `keys` were added to the index by this worker (analysed at `analyzed_at`)."""
    with _lock:
        entry = _cache.get(workspace_id)
        if entry is not None:
            entry.keys.update(keys)


def forget(workspace_id: int | None = None) -> None:
    with _lock:
        if workspace_id is None:
            _cache.clear()
        else:
            _cache.pop(workspace_id, None)
