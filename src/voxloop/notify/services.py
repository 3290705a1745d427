"""Destinations and the delivery outbox: the only code that changes notify data."""

from __future__ import annotations

import logging
import time as monotonic_time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from voxloop.notify import client
from voxloop.notify.destinations import module_for
from voxloop.notify.destinations.base import Context, Outcome
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery, DeliveryState, Destination

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)  # retry n waits 1 min × 2^(n-1): 1, 2, 4, 8, 16 min
BACKOFF_CAP = timedelta(hours=1)
STALE_SENDING = timedelta(minutes=5)  # a claim older than this belonged to a worker that died
TICK_BUDGET_SECONDS = 30.0  # one outbox step stops starting new sends after this long
LIVE = (DeliveryState.PENDING, DeliveryState.FAILED)
MESSAGE_KINDS = ("alert", "digest", "test")


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed tries."""
    wait: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(wait, BACKOFF_CAP)


# -- the outbox ---------------------------------------------------------------------------------


def enqueue_deliveries(ids: list[int]) -> None:
    """Ask a worker to deliver now; if the queue is unavailable the scheduler still will."""
    if not ids:
        return
    try:
        from voxloop.notify.tasks import deliver_notifications

        deliver_notifications.enqueue(ids)
    except Exception:
        log.exception("could not enqueue deliveries %s; the outbox sweep will send them", ids)


def do_send(
    workspace_id: int,
    destination_ids: Sequence[int],
    message: Message,
    *,
    dedupe_key: str = "",
) -> list[int]:
    """Store one Delivery row per destination (after commit the outbox delivers them); returns
    Delivery ids. With a dedupe key, a destination that already has it gets no second row (its
    existing id is returned). Unknown or foreign destination ids are skipped."""
    if message.kind not in MESSAGE_KINDS:
        raise ValueError(f"message kind must be one of {MESSAGE_KINDS}")
    if not message.title.strip():
        raise ValueError("message title is empty")
    dedupe_key = dedupe_key[:200]
    now = timezone.now()
    dests = list(
        Destination.objects.filter(workspace_id=workspace_id, pk__in=list(destination_ids))
    )
    unknown = set(destination_ids) - {d.pk for d in dests}
    if unknown:
        log.warning("do_send: destinations %s are not in workspace %s", unknown, workspace_id)
    ids: list[int] = []
    fresh: list[int] = []
    body = message.to_json()
    with transaction.atomic():
        for dest in sorted(dests, key=lambda d: d.pk):
            if dedupe_key:
                existing = (
                    Delivery.objects.filter(destination=dest, dedupe_key=dedupe_key)
                    .values_list("pk", flat=True)
                    .first()
                )
                if existing is not None:
                    ids.append(existing)
                    continue
            row = Delivery(
                workspace_id=workspace_id,
                destination=dest,
                message=body,
                dedupe_key=dedupe_key,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            if not dest.is_active:
                row.state = DeliveryState.DEAD
                row.next_attempt_at = None
                row.last_error = _("Not sent: the destination is disabled.")
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # a concurrent sender stored the same dedupe key first
                ids.extend(
                    Delivery.objects.filter(destination=dest, dedupe_key=dedupe_key).values_list(
                        "pk", flat=True
                    )[:1]
                )
                continue
            ids.append(row.pk)
            if row.state == DeliveryState.PENDING:
                fresh.append(row.pk)
        transaction.on_commit(lambda: enqueue_deliveries(fresh))
    return ids


def quiet_until(dest: Destination, now: datetime) -> datetime | None:
    """When the destination's quiet hours end, if `now` falls inside them."""
    start, end = dest.quiet_start, dest.quiet_end
    if start is None or end is None or start == end:
        return None
    try:
        tz = ZoneInfo(dest.quiet_timezone or dest.workspace.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= t < end:
            return None
        end_day = local.date()
    else:  # wraps midnight, e.g. 22:00–07:00
        if end <= t < start:
            return None
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def _attempt(dest: Destination, message: Message, ctx: Context) -> Outcome:
    try:
        return module_for(dest.kind).send(dest.config, message, ctx)  # type: ignore[no-any-return]
    except Exception as exc:  # a bug or bad stored config must not stop the outbox
        log.exception("delivery %s to destination %s crashed", ctx.delivery_id, dest.pk)
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:1000])


def _record(delivery: Delivery, attempts: int, outcome: Outcome, now: datetime) -> str:
    dest_rows = Destination.objects.filter(pk=delivery.destination_id)
    mine = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING)
    common = {"last_status_code": outcome.status_code, "updated_at": now, "claimed_at": None}
    if outcome.ok:
        mine.update(
            state=DeliveryState.SENT, sent_at=now, next_attempt_at=None, last_error="", **common
        )
        dest_rows.update(failure_count=0, last_ok_at=now)
        return DeliveryState.SENT
    error = outcome.error or _("unknown error")
    dest_rows.update(failure_count=F("failure_count") + 1, last_error_at=now)
    if outcome.permanent:
        mine.update(state=DeliveryState.DEAD, next_attempt_at=None, last_error=error, **common)
        dest_rows.filter(is_active=True).update(
            is_active=False,
            disabled_reason=(_("Disabled after a permanent failure: %(error)s") % {"error": error})[
                :500
            ],
            updated_at=now,
        )
        # the rest of its queue cannot go out either; say so now rather than at each turn
        Delivery.objects.filter(destination_id=delivery.destination_id, state__in=LIVE).update(
            state=DeliveryState.DEAD,
            next_attempt_at=None,
            last_error=_("Not sent: the destination is disabled."),
            updated_at=now,
        )
        log.warning("destination %s disabled: %s", delivery.destination_id, error)
        return DeliveryState.DEAD
    if attempts >= MAX_ATTEMPTS:
        gave_up = _("Gave up after %(n)d attempts: %(error)s") % {"n": attempts, "error": error}
        mine.update(state=DeliveryState.DEAD, next_attempt_at=None, last_error=gave_up, **common)
        return DeliveryState.DEAD
    retry_at = now + backoff(attempts)
    mine.update(state=DeliveryState.FAILED, next_attempt_at=retry_at, last_error=error, **common)
    # the destination's other due messages wait with it, so a long queue for one broken
    # destination cannot keep the rest of the outbox from being reached
    Delivery.objects.filter(
        destination_id=delivery.destination_id, state__in=LIVE, next_attempt_at__lt=retry_at
    ).exclude(pk=delivery.pk).update(next_attempt_at=retry_at, updated_at=now)
    return DeliveryState.FAILED


def _claim(delivery: Delivery, now: datetime) -> bool:
    """Take the row for this worker: a conditional UPDATE that only one worker can win."""
    won = Delivery.objects.filter(
        pk=delivery.pk, state=delivery.state, attempts=delivery.attempts, next_attempt_at__lte=now
    ).update(
        state=DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now
    )
    return won == 1


def _release_stale(now: datetime) -> int:
    return Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(
        state=DeliveryState.FAILED,
        next_attempt_at=now,
        claimed_at=None,
        last_error=_("The worker stopped while sending; trying again."),
        updated_at=now,
    )


def _deliver(rows: QuerySet[Delivery], now: datetime, limit: int) -> int:
    started = monotonic_time.monotonic()
    troubled: set[int] = set()  # destinations that failed in this step: leave the rest for later
    handled = 0
    batch = list(
        rows.filter(state__in=LIVE, next_attempt_at__lte=now)
        .select_related("destination", "destination__workspace")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    for delivery in batch:
        if monotonic_time.monotonic() - started > TICK_BUDGET_SECONDS:
            break
        dest = delivery.destination
        if dest.pk in troubled:
            continue
        stored = Delivery.objects.filter(pk=delivery.pk, state=delivery.state)
        if not dest.is_active:
            stored.update(
                state=DeliveryState.DEAD,
                next_attempt_at=None,
                last_error=_("Not sent: the destination is disabled."),
                updated_at=now,
            )
            handled += 1
            continue
        message = Message.from_json(delivery.message)
        resume = None if message.is_urgent or message.kind == "test" else quiet_until(dest, now)
        if resume is not None:
            stored.update(next_attempt_at=resume, updated_at=now)
            continue
        if not _claim(delivery, now):
            continue  # another worker has it
        attempts = delivery.attempts + 1
        ctx = Context(delivery.pk, now, client.allow_private_default())
        outcome = _attempt(dest, message, ctx)
        state = _record(delivery, attempts, outcome, now)
        if state != DeliveryState.SENT:
            troubled.add(dest.pk)
        handled += 1
    return handled


def do_deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """The outbox worker step: send what is due; returns how many rows it settled or tried."""
    now = now or timezone.now()
    released = _release_stale(now)
    if released:
        log.warning("%d deliveries were left in 'sending' by a stopped worker", released)
    return _deliver(Delivery.objects.all(), now, limit)


def do_deliver_ids(ids: Iterable[int], now: datetime | None = None) -> int:
    """Send these deliveries now if they are due (the task run right after do_send)."""
    ids = list(ids)
    if not ids:
        return 0
    return _deliver(Delivery.objects.filter(pk__in=ids), now or timezone.now(), len(ids))


# -- digests ------------------------------------------------------------------------------------


def do_send_digest(
    workspace_id: int,
    period: str = "daily",
    *,
    now: datetime | None = None,
    destination_ids: Sequence[int] | None = None,
) -> list[int]:
    """Build the digest for the period that just ended and queue it for the subscribed
    destinations (or the given ones); sending twice for the same period is a no-op."""
    from voxloop.accounts.models import Workspace
    from voxloop.notify.digest import build_digest, digest_key, period_window, workspace_tz

    if period not in ("daily", "weekly"):
        raise ValueError("period must be 'daily' or 'weekly'")
    now = now or timezone.now()
    workspace = Workspace.objects.get(pk=workspace_id)
    if destination_ids is None:
        flag = "daily_digest" if period == "daily" else "weekly_digest"
        destination_ids = list(
            Destination.objects.filter(
                workspace=workspace, is_active=True, **{flag: True}
            ).values_list("pk", flat=True)
        )
    if not destination_ids:
        return []
    tz = workspace_tz(workspace)
    _start, end = period_window(period, now, tz)
    message = build_digest(workspace, period, now)
    return do_send(workspace_id, destination_ids, message, dedupe_key=digest_key(period, end, tz))


def do_send_due_digests(now: datetime | None = None) -> int:
    """Queue each workspace's daily digest after DIGEST_HOUR local time (weekly on Mondays)."""
    from voxloop.accounts.models import Workspace
    from voxloop.notify.digest import (
        DIGEST_HOUR,
        WEEKLY_WEEKDAY,
        digest_key,
        period_window,
        workspace_tz,
    )

    now = now or timezone.now()
    queued = 0
    subscribed = Destination.objects.filter(is_active=True).filter(
        Q(daily_digest=True) | Q(weekly_digest=True)
    )
    workspace_ids = set(subscribed.values_list("workspace_id", flat=True))
    for workspace in Workspace.objects.filter(pk__in=workspace_ids):
        tz = workspace_tz(workspace)
        local = now.astimezone(tz)
        if local.hour < DIGEST_HOUR:
            continue
        periods = ["daily"] + (["weekly"] if local.weekday() == WEEKLY_WEEKDAY else [])
        for period in periods:
            flag = "daily_digest" if period == "daily" else "weekly_digest"
            wanted = set(
                subscribed.filter(workspace=workspace, **{flag: True}).values_list("pk", flat=True)
            )
            _start, end = period_window(period, now, tz)
            done = set(
                Delivery.objects.filter(
                    destination_id__in=wanted, dedupe_key=digest_key(period, end, tz)
                ).values_list("destination_id", flat=True)
            )
            if wanted - done:
                queued += len(
                    do_send_digest(
                        workspace.pk, period, now=now, destination_ids=sorted(wanted - done)
                    )
                )
    return queued
