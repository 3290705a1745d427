"""The notify step the background worker's scheduler runs every few seconds."""

from __future__ import annotations

import time

DIGEST_CHECK_SECONDS = 60.0
_last_digest_check = [0.0]


def deliver_notifications() -> None:
    """Send what is due in the outbox; once a minute, queue digests that are due."""
    from voxloop.notify.services import do_deliver_due, do_send_due_digests

    do_deliver_due()
    if time.monotonic() - _last_digest_check[0] >= DIGEST_CHECK_SECONDS:
        _last_digest_check[0] = time.monotonic()
        do_send_due_digests()
