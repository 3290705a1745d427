"""Services of the insights app: the only code that changes rollups, rules and alerts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from voxloop.insights.services.alerts import (
    do_acknowledge_alert,
    do_create_rule,
    do_delete_rule,
    do_detect,
    do_install_default_rules,
    do_mute_alert,
    do_resolve_alert,
    do_update_rule,
)
from voxloop.insights.services.rollups import do_rebuild_rollups, do_update_rollups

log = logging.getLogger(__name__)
DETECT_EVERY = 10.0  # seconds: detection after analysed batches runs at most this often
_last_detect: dict[int, float] = {}
_lock = threading.Lock()


def do_after_analysis(workspace_id: int, item_ids: Sequence[int]) -> None:
    """The hook analysis calls once a batch's results are committed: rollups, then detection.

    It never raises: the results are already stored, and a rollup left behind is repaired by
    the next update of the same hour or by `voxloop manage rebuild_rollups`.
    """
    try:
        do_update_rollups(workspace_id, item_ids)
    except Exception:
        log.exception(
            "rollups of %d items in workspace %s not updated", len(item_ids), workspace_id
        )
        return
    with _lock:
        now = time.monotonic()
        if now - _last_detect.get(workspace_id, -DETECT_EVERY) < DETECT_EVERY:
            return
        _last_detect[workspace_id] = now
    do_detect(workspace_id)  # logs and swallows its own failures per workspace


__all__ = [
    "do_acknowledge_alert",
    "do_after_analysis",
    "do_create_rule",
    "do_delete_rule",
    "do_detect",
    "do_install_default_rules",
    "do_mute_alert",
    "do_rebuild_rollups",
    "do_resolve_alert",
    "do_update_rollups",
    "do_update_rule",
]
