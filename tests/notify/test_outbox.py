"""The delivery outbox: claims, retries with backoff, permanent failures, quiet hours."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection

from tests.notify.conftest import Receiver, destination
from voxloop.notify import client, services
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery
from voxloop.notify.services import MAX_ATTEMPTS, do_deliver_due, do_deliver_ids, do_send

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MSG = Message(title="Spike on Delivery", text="53 vs 12 expected", severity=6)


@pytest.mark.django_db
def test_500_is_retried_with_exponential_backoff_then_given_up(
    world: Any, receiver: Receiver
) -> None:
    url = receiver.answer("/flaky", status=500, body=b"internal error")
    dest = destination(world.acme, "webhook", url=url, secret="secret-123")
    with time_machine.travel(NOW, tick=False) as traveller:
        [pk] = do_send(world.acme.pk, [dest.pk], MSG)
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert do_deliver_due() == 1
            row = Delivery.objects.get(pk=pk)
            assert row.attempts == attempt and row.last_status_code == 500
            assert "HTTP 500: internal error" in row.last_error
            if attempt == MAX_ATTEMPTS:
                break
            assert row.state == "failed"
            wait = row.next_attempt_at - datetime.now(UTC)
            waits.append(wait)
            traveller.shift(wait - timedelta(seconds=1))
            assert do_deliver_due() == 0  # not due yet: nothing sent
            assert len(receiver.at("/flaky")) == attempt
            traveller.shift(timedelta(seconds=1))
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    row = Delivery.objects.get(pk=pk)
    assert row.state == "dead" and row.next_attempt_at is None
    assert row.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")
    assert len(receiver.at("/flaky")) == MAX_ATTEMPTS
    dest.refresh_from_db()
    assert dest.failure_count == MAX_ATTEMPTS


@pytest.mark.django_db
def test_recovery_after_a_failure_resets_the_failure_count(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/later", status=503)
    dest = destination(world.acme, "webhook", url=url, secret="secret-123")
    with time_machine.travel(NOW, tick=False) as traveller:
        [pk] = do_send(world.acme.pk, [dest.pk], MSG)
        do_deliver_due()
        receiver.answer("/later", status=204, body=b"")
        traveller.shift(timedelta(minutes=1))
        do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "sent" and row.attempts == 2 and row.last_error == ""
    dest.refresh_from_db()
    assert dest.failure_count == 0 and dest.last_ok_at == NOW + timedelta(minutes=1)


@pytest.mark.django_db
def test_410_disables_the_destination_and_the_outbox_moves_on(
    world: Any, receiver: Receiver
) -> None:
    gone = destination(world.acme, "webhook", url=receiver.answer("/gone", status=410))
    fine = destination(world.acme, "slack", url=receiver.url("/fine"))
    with time_machine.travel(NOW, tick=False):
        first = do_send(world.acme.pk, [gone.pk, fine.pk], MSG)
        second = do_send(world.acme.pk, [gone.pk], MSG)
        do_deliver_due()
    rows = {d.pk: d for d in Delivery.objects.all()}
    assert rows[first[0]].state == "dead" and rows[first[0]].last_status_code == 410
    assert rows[first[1]].state == "sent"
    assert rows[second[0]].state == "dead"
    assert "disabled" in rows[second[0]].last_error
    assert len(receiver.at("/gone")) == 1  # the second message was never attempted
    gone.refresh_from_db()
    assert not gone.is_active and "HTTP 410" in gone.disabled_reason
    # later messages to a disabled destination are stored as dead right away
    [later] = do_send(world.acme.pk, [gone.pk], MSG)
    assert Delivery.objects.get(pk=later).state == "dead"


@pytest.mark.django_db
def test_timeout_is_a_retryable_failure(
    world: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "READ_TIMEOUT", 0.3)
    slow = destination(world.acme, "webhook", url=receiver.answer("/slow", delay=1.5))
    fast = destination(world.acme, "webhook", url=receiver.url("/fast"))
    [a, b] = do_send(world.acme.pk, [slow.pk, fast.pk], MSG)
    do_deliver_due()
    slow_row, fast_row = Delivery.objects.get(pk=a), Delivery.objects.get(pk=b)
    assert slow_row.state == "failed" and "timed out" in slow_row.last_error
    assert slow_row.last_status_code is None
    assert fast_row.state == "sent"


@pytest.mark.django_db
def test_refused_connection_is_a_retryable_failure(world: Any, allow_private: None) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    dest = destination(world.acme, "webhook", url=f"http://127.0.0.1:{port}/x")
    [pk] = do_send(world.acme.pk, [dest.pk], MSG)
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "failed" and "Connection" in row.last_error


@pytest.mark.django_db
def test_private_target_refused_at_send_time_when_not_allowed(world: Any) -> None:
    # stored earlier (e.g. while allowed), sent now that private targets are refused
    dest = destination(world.acme, "webhook", url="http://127.0.0.1:9/hook")
    [pk] = do_send(world.acme.pk, [dest.pk], MSG)
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "dead" and "not allowed" in row.last_error
    dest.refresh_from_db()
    assert not dest.is_active


@pytest.mark.django_db
def test_dedupe_key_stores_one_row_per_destination(world: Any, receiver: Receiver) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/d"))
    first = do_send(world.acme.pk, [dest.pk], MSG, dedupe_key="alert:1:7")
    again = do_send(world.acme.pk, [dest.pk], MSG, dedupe_key="alert:1:7")
    assert first == again and Delivery.objects.count() == 1
    other = do_send(world.acme.pk, [dest.pk], MSG, dedupe_key="alert:1:9")
    assert other != first


@pytest.mark.django_db
def test_foreign_destination_ids_are_ignored(world: Any, receiver: Receiver) -> None:
    theirs = destination(world.globex, "webhook", url=receiver.url("/g"))
    assert do_send(world.acme.pk, [theirs.pk], MSG) == []
    assert Delivery.objects.count() == 0


@pytest.mark.django_db
def test_bad_message_is_refused(world: Any) -> None:
    with pytest.raises(ValueError):
        do_send(world.acme.pk, [], Message(title=" ", text="x"))
    with pytest.raises(ValueError):
        do_send(world.acme.pk, [], Message(title="t", text="x", kind="spam"))


@pytest.mark.django_db
def test_quiet_hours_defer_non_urgent_messages(world: Any, receiver: Receiver) -> None:
    dest = destination(
        world.acme,
        "webhook",
        url=receiver.url("/q"),
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
        quiet_timezone="Asia/Shanghai",
    )
    night = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    with time_machine.travel(night, tick=False) as traveller:
        [calm] = do_send(world.acme.pk, [dest.pk], MSG)
        [urgent] = do_send(world.acme.pk, [dest.pk], Message(title="Outage", text="!", severity=9))
        do_deliver_due()
        assert Delivery.objects.get(pk=urgent).state == "sent"
        deferred = Delivery.objects.get(pk=calm)
        assert deferred.state == "pending" and deferred.attempts == 0
        assert deferred.next_attempt_at == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 07:00 local
        traveller.move_to(datetime(2026, 3, 2, 23, 0, 1, tzinfo=UTC))
        do_deliver_due()
    assert Delivery.objects.get(pk=calm).state == "sent"
    assert [r.json()["title"] for r in receiver.at("/q")] == ["Outage", MSG.title]


def test_quiet_hours_window_arithmetic(db: Any, world: Any) -> None:
    dest = destination(
        world.acme, "email", recipients=["a@b.c"], quiet_start=time(12), quiet_end=time(13)
    )
    assert services.quiet_until(dest, datetime(2026, 1, 1, 11, 59, tzinfo=UTC)) is None
    assert services.quiet_until(dest, datetime(2026, 1, 1, 12, 30, tzinfo=UTC)) == datetime(
        2026, 1, 1, 13, tzinfo=UTC
    )
    assert services.quiet_until(dest, datetime(2026, 1, 1, 13, 0, tzinfo=UTC)) is None


@pytest.mark.django_db
def test_a_claimed_row_is_not_taken_by_a_second_worker(world: Any, receiver: Receiver) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/c"))
    [pk] = do_send(world.acme.pk, [dest.pk], MSG)
    now = datetime.now(UTC)
    seen_by_a = Delivery.objects.get(pk=pk)  # both workers read the same due row...
    seen_by_b = Delivery.objects.get(pk=pk)
    assert services._claim(seen_by_a, now) is True  # ...only one conditional UPDATE wins
    assert services._claim(seen_by_b, now) is False
    assert do_deliver_due() == 0  # a row in 'sending' is nobody else's business
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_worker_sweeping_while_another_sends_does_not_send_twice(
    world: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/w"))
    [pk] = do_send(world.acme.pk, [dest.pk], MSG)
    real = client.transport
    nested: list[int] = []

    def transport_that_lets_a_second_worker_run(*args: Any) -> Any:
        nested.append(do_deliver_due())  # worker B runs mid-send of worker A
        return real(*args)

    monkeypatch.setattr(client, "transport", transport_that_lets_a_second_worker_run)
    assert do_deliver_ids([pk]) == 1
    assert nested == [0] and len(receiver.at("/w")) == 1
    assert Delivery.objects.get(pk=pk).state == "sent"


@pytest.mark.django_db(transaction=True)
def test_two_threads_claiming_at_once_send_once(
    world: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory test database shares one cache between threads, where a second "
            "writer fails with 'table is locked' instead of waiting as the file database in "
            "WAL mode does; the claim itself is tested step by step above"
        )
    dest = destination(world.acme, "webhook", url=receiver.url("/t"))
    monkeypatch.setattr(services, "enqueue_deliveries", lambda ids: None)  # workers only
    [pk] = do_send(world.acme.pk, [dest.pk], MSG)
    assert Delivery.objects.get(pk=pk).state == "pending"
    barrier = threading.Barrier(2, timeout=10)
    real_claim = services._claim

    def claim_together(delivery: Delivery, now: datetime) -> bool:
        barrier.wait()  # both workers have read the row as due before either claims it
        return real_claim(delivery, now)

    monkeypatch.setattr(services, "_claim", claim_together)
    results: list[int] = []

    def worker() -> None:
        from django.db import connection as conn

        try:
            results.append(do_deliver_due())
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == [0, 1]
    assert len(receiver.at("/t")) == 1
    assert Delivery.objects.get(pk=pk).attempts == 1


@pytest.mark.django_db
def test_a_stale_claim_is_released_and_retried(world: Any, receiver: Receiver) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/s"))
    with time_machine.travel(NOW, tick=False) as traveller:
        [pk] = do_send(world.acme.pk, [dest.pk], MSG)
        assert services._claim(Delivery.objects.get(pk=pk), NOW)  # then the worker died
        traveller.shift(timedelta(minutes=6))
        assert do_deliver_due() == 1
    row = Delivery.objects.get(pk=pk)
    assert row.state == "sent" and row.attempts == 2


@pytest.mark.django_db
def test_a_crashing_destination_module_does_not_stop_the_outbox(
    world: Any, receiver: Receiver
) -> None:
    broken = destination(world.acme, "webhook")  # no url in its config at all
    fine = destination(world.acme, "webhook", url=receiver.url("/ok"))
    [a, b] = do_send(world.acme.pk, [broken.pk, fine.pk], MSG)
    assert do_deliver_due() == 2
    assert Delivery.objects.get(pk=a).state == "failed"
    assert "KeyError" in Delivery.objects.get(pk=a).last_error
    assert Delivery.objects.get(pk=b).state == "sent"


@pytest.mark.django_db
def test_send_enqueues_delivery_after_commit(
    world: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/now"))
    with django_capture_on_commit_callbacks(execute=True):
        [pk] = do_send(world.acme.pk, [dest.pk], MSG)
        assert receiver.requests == []  # nothing leaves before the commit
    # the immediate task backend of the tests ran the delivery task on commit
    assert Delivery.objects.get(pk=pk).state == "sent"
    assert len(receiver.at("/now")) == 1


@pytest.mark.django_db
def test_a_broken_destination_with_a_long_queue_does_not_starve_the_others(
    world: Any, receiver: Receiver
) -> None:
    broken = destination(world.acme, "webhook", url=receiver.answer("/down", status=503))
    healthy = destination(world.acme, "webhook", url=receiver.url("/up"))
    with time_machine.travel(NOW, tick=False):
        for i in range(120):
            do_send(world.acme.pk, [broken.pk], Message(title=f"m{i}", text="x"))
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        [late] = do_send(world.acme.pk, [healthy.pk], MSG)
        do_deliver_due(limit=100)  # the healthy row is behind 120 due rows of the broken one
        do_deliver_due(limit=100)
    assert len(receiver.at("/down")) == 1  # one try, then its queue waits with it
    assert Delivery.objects.get(pk=late).state == "sent"
    waiting = Delivery.objects.filter(destination=broken, state="pending")
    assert waiting.count() == 119
    assert {d.next_attempt_at for d in waiting} == {NOW + timedelta(seconds=1, minutes=1)}
