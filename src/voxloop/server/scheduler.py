"""Periodic jobs a worker runs besides its queue: sweeping work that never finished."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections

from voxloop.notify.schedule import deliver_notifications

log = logging.getLogger(__name__)


def _claim_pending() -> None:
    from voxloop.feedback.services.analyze import do_claim_pending

    while do_claim_pending() >= 2_000:  # drain a backlog in one tick
        pass


def _release_stale() -> None:
    from voxloop.feedback.services.analyze import do_release_stale_claims

    released = do_release_stale_claims()
    if released:
        log.warning("%d feedback items had been claimed by a worker that never finished", released)


def _requeue_stale_imports() -> None:
    from voxloop.feedback.importing.jobs import do_requeue_stale_imports

    do_requeue_stale_imports()


def _resume_stalled_reanalyses() -> None:
    from voxloop.feedback.services.learning import do_resume_stalled_reanalyses

    do_resume_stalled_reanalyses()


def _detect_alerts() -> None:
    from voxloop.insights.services import do_detect

    do_detect()


def _discover_themes() -> None:
    from voxloop.feedback.services.themes import do_queue_due_discoveries

    do_queue_due_discoveries()


# name -> (interval seconds, function). Other apps add their schedules here.
SCHEDULE: dict[str, tuple[float, Callable[[], None]]] = {
    "claim_pending_analysis": (1.0, _claim_pending),
    "release_stale_claims": (60.0, _release_stale),
    "requeue_stale_imports": (60.0, _requeue_stale_imports),  # also at worker start
    "resume_stalled_reanalyses": (60.0, _resume_stalled_reanalyses),
    "detect_alerts": (60.0, _detect_alerts),
    "deliver_notifications": (5.0, deliver_notifications),
    "discover_themes": (300.0, _discover_themes),  # queues workspaces due (every 6 h each)
}


class Scheduler(threading.Thread):
    """Runs each scheduled function at its interval until stopped."""

    def __init__(self, schedule: dict[str, tuple[float, Callable[[], None]]] | None = None) -> None:
        super().__init__(name="voxloop-scheduler", daemon=True)
        self.schedule = schedule if schedule is not None else SCHEDULE
        self.stopped = threading.Event()

    def run_once(self, now: float, due: dict[str, float]) -> None:
        for name, (interval, fn) in self.schedule.items():
            if now < due.get(name, 0.0):
                continue
            due[name] = now + interval
            try:
                fn()
            except Exception:
                log.exception("scheduled job %s failed", name)
            finally:
                close_old_connections()

    def run(self) -> None:
        import time

        due: dict[str, float] = {}
        while not self.stopped.is_set():
            self.run_once(time.monotonic(), due)
            self.stopped.wait(1.0)

    def stop(self) -> None:
        self.stopped.set()
