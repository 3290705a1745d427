"""Concurrent ingest batches naming the same new customers: both are kept, one row each."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from voxloop.accounts.actors import system_actor
from voxloop.customers.models import Customer
from voxloop.customers.services import do_upsert_customers_for_ingest
from voxloop.feedback.models import FeedbackItem
from voxloop.feedback.schemas import CustomerIn
from voxloop.feedback.services import ingest
from voxloop.feedback.services.ingest import do_ingest_feedback


@pytest.fixture
def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "two writers at once need PostgreSQL: SQLite takes one writer at a time, and its "
            "in-memory test database fails a second one instead of making it wait"
        )


@pytest.mark.django_db(transaction=True)
def test_a_batch_waiting_on_another_batchs_new_customers_reuses_them(
    world: Any, needs_postgres: None
) -> None:
    first_inserted = threading.Event()
    release_first = threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = do_upsert_customers_for_ingest(
                    world.acme, {0: "M-1", 1: CustomerIn(external_id="M-2", name="Old name")}
                )
                first_inserted.set()
                release_first.wait(10)  # hold the new rows uncommitted while `second` runs
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome["first_error"] = exc
        finally:
            first_inserted.set()
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(10)
            with transaction.atomic():
                outcome["second"] = do_upsert_customers_for_ingest(
                    world.acme, {0: CustomerIn(external_id="M-2", tier="gold"), 1: "M-1"}
                )
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome["second_error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_inserted.wait(10)
    threading.Timer(0.5, release_first.set).start()  # `second` is blocked on the unique index
    for t in threads:
        t.join(20)
    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    m1 = Customer.objects.get(workspace=world.acme, external_id="M-1")
    m2 = Customer.objects.get(workspace=world.acme, external_id="M-2")
    assert outcome["first"] == {0: m1.pk, 1: m2.pk}
    assert outcome["second"] == {0: m2.pk, 1: m1.pk}
    assert (m2.name, m2.tier) == ("Old name", "gold")  # the later batch's details are applied
    assert Customer.objects.filter(workspace=world.acme).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_batches_with_shared_customers_are_stored_in_one_go(
    world: Any, needs_postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fallback(*args: Any) -> Any:
        raise AssertionError("a clash on customers sent the batch down the one-by-one path")

    monkeypatch.setattr(ingest, "_store_one_by_one", no_fallback)
    actor = system_actor(world.acme)
    barrier = threading.Barrier(4, timeout=10)
    errors: list[BaseException] = []

    def send(worker: int) -> None:
        try:
            batch = [
                {"text": f"item {worker}-{i}", "external_id": f"w{worker}-{i}", "customer": f"C{i}"}
                for i in range(300)
            ]
            barrier.wait()
            results = do_ingest_feedback(actor, batch)
            assert {r.status for r in results} == {"created"}
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert FeedbackItem.objects.filter(workspace=world.acme).count() == 1_200
    assert Customer.objects.filter(workspace=world.acme).count() == 300
    per_customer = FeedbackItem.objects.filter(workspace=world.acme, customer__external_id="C7")
    assert per_customer.count() == 4
