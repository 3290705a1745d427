"""Daily and weekly digests built from pluggable sections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail

from tests.notify.conftest import destination
from voxloop.notify import digest
from voxloop.notify.digest import DigestSection
from voxloop.notify.models import Delivery
from voxloop.notify.services import do_deliver_due, do_send_digest, do_send_due_digests

pytestmark = pytest.mark.django_db

MONDAY_9_SHANGHAI = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Monday in Asia/Shanghai


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    registry: dict[str, Any] = {}
    monkeypatch.setattr(digest, "DIGEST_SECTIONS", registry)
    return registry


def _shanghai(world: Any) -> Any:
    world.acme.timezone = "Asia/Shanghai"
    world.acme.save(update_fields=["timezone"])
    return world.acme


def test_digest_without_sections_is_a_valid_short_email(world: Any, sections: Any) -> None:
    ws = _shanghai(world)
    dest = destination(ws, "email", recipients=["lead@acme.test"], daily_digest=True)
    destination(ws, "email", name="not subscribed", recipients=["x@acme.test"])
    with time_machine.travel(MONDAY_9_SHANGHAI, tick=False):
        ids = do_send_digest(ws.pk, "daily")
        do_deliver_due()
    assert [Delivery.objects.get(pk=i).destination_id for i in ids] == [dest.pk]
    [sent] = mail.outbox
    assert sent.to == ["lead@acme.test"]
    assert sent.subject == "[VoxLoop] Daily digest · Acme · 2026-03-01"
    assert "Nothing to report for this period." in sent.body


def test_sections_fill_the_digest_and_a_broken_one_is_skipped(world: Any, sections: Any) -> None:
    ws = _shanghai(world)
    seen: list[tuple[Any, ...]] = []

    def kpis(workspace_id: int, period: str, start: datetime, end: datetime) -> DigestSection:
        seen.append((workspace_id, period, start, end))
        return DigestSection("KPIs", ["NPS 32 (−4)", "CSAT 81%"], fields={"NPS": "32"})

    def broken(*args: Any) -> DigestSection:
        raise RuntimeError("insights is down")

    digest.register_digest_section("kpis", kpis, order=1)
    digest.register_digest_section("broken", broken, order=2)
    digest.register_digest_section("quiet", lambda *a: None, order=3)
    dest = destination(ws, "webhook", url="https://hooks.example.com/d", weekly_digest=True)
    with time_machine.travel(MONDAY_9_SHANGHAI, tick=False):
        [pk] = do_send_digest(ws.pk, "weekly")
    body = Delivery.objects.get(pk=pk).message
    assert body["kind"] == "digest" and body["severity"] == 0
    assert body["title"] == "Weekly digest · Acme · 2026-02-23 – 2026-03-01"
    assert body["text"] == "KPIs\n• NPS 32 (−4)\n• CSAT 81%"
    assert body["fields"] == {"NPS": "32"}
    assert list(body["payload"]["sections"]) == ["kpis"]
    # the window is the last seven local days, ending at local midnight
    [(ws_id, period, start, end)] = seen
    assert (ws_id, period) == (ws.pk, "weekly")
    assert start == datetime(2026, 2, 22, 16, tzinfo=UTC) and end == datetime(
        2026, 3, 1, 16, tzinfo=UTC
    )
    assert Delivery.objects.get(pk=pk).destination_id == dest.pk


def test_digest_is_sent_once_per_period(world: Any, sections: Any) -> None:
    ws = _shanghai(world)
    destination(ws, "email", recipients=["lead@acme.test"], daily_digest=True, weekly_digest=True)
    with time_machine.travel(datetime(2026, 3, 1, 23, 0, tzinfo=UTC), tick=False) as traveller:
        assert do_send_due_digests() == 0  # 07:00 local: too early
        traveller.move_to(MONDAY_9_SHANGHAI)
        assert do_send_due_digests() == 2  # daily + weekly (Monday)
        assert do_send_due_digests() == 0
        traveller.move_to(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # Tuesday 09:00
        assert do_send_due_digests() == 1
    keys = sorted(Delivery.objects.values_list("dedupe_key", flat=True))
    assert keys == [
        "digest:daily:2026-03-02",
        "digest:daily:2026-03-03",
        "digest:weekly:2026-03-02",
    ]


def test_bad_period_is_refused(world: Any) -> None:
    with pytest.raises(ValueError, match="period"):
        do_send_digest(world.acme.pk, "hourly")
