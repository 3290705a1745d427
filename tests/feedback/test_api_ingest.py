"""Ingestion API: one item, batches, idempotency and every kind of bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from voxloop.accounts.models import AuditLog
from voxloop.customers.models import Customer
from voxloop.feedback.models import FeedbackItem, Status
from voxloop.feedback.services.analyze import do_claim_pending


def test_create_one_keeps_raw_payload_and_analyses(api, world):
    body = '{"text": "送货太慢了", "nps": 3, "customer": "C-1", "metadata": {"order": "A1"}}'
    res = api.post("/feedback", raw=body)
    assert res.status_code == 201, res.content
    item = FeedbackItem.objects.get(pk=res.json()["id"])
    assert item.raw_payload == body
    assert item.workspace == world.acme
    assert item.nps == 3
    assert item.customer.external_id == "C-1"
    assert item.metadata == {"order": "A1"}
    assert item.status == Status.RECEIVED
    assert item.api_key.workspace == world.acme
    # the worker's poll claims waiting items; the immediate backend runs the job inline
    assert do_claim_pending() == 1
    item.refresh_from_db()
    assert item.status == Status.ANALYZED
    assert item.language == "zh"
    assert not AuditLog.objects.filter(
        action="feedback.ingest"
    ).exists()  # provenance is on the item


def test_batch_queues_analysis_right_away(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        res = api.post(
            "/feedback/batch", {"items": [{"text": "soup was cold"}, {"text": "汤是凉的"}]}
        )
    ids = [r["id"] for r in res.json()["results"]]
    assert set(FeedbackItem.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "analyzed"
    }


def test_same_external_id_returns_the_stored_item(api):
    first = api.post("/feedback", {"text": "slow", "external_id": "r-1"})
    again = api.post("/feedback", {"text": "slow (edited)", "external_id": "r-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "existing"
    assert FeedbackItem.objects.count() == 1


def test_idempotency_key_header(api):
    a = api.post("/feedback", {"text": "hello"}, **{"Idempotency-Key": "k1"})
    b = api.post("/feedback", {"text": "hello"}, **{"Idempotency-Key": "k1"})
    assert a.status_code == 201
    assert b.status_code == 200 and b.json()["id"] == a.json()["id"]
    c = api.post("/feedback", {"text": "hello"}, **{"Idempotency-Key": "k2"})
    assert c.status_code == 201 and c.json()["id"] != a.json()["id"]


def test_same_external_id_on_another_channel_is_another_item(api, world):
    from voxloop.accounts.actors import system_actor
    from voxloop.feedback.services import do_save_channel

    do_save_channel(system_actor(world.acme), name="App Store", kind="review")
    a = api.post("/feedback", {"text": "x y z", "external_id": "1"})
    b = api.post("/feedback", {"text": "x y z", "external_id": "1", "channel": "app-store"})
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"nps": 5}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "bad \x00 byte"}, "text"),
        ({"text": "ok", "nps": 11}, "nps"),
        ({"text": "ok", "nps": -1}, "nps"),
        ({"text": "ok", "csat": 0}, "csat"),
        ({"text": "ok", "ces": 8}, "ces"),
        ({"text": "ok", "stars": 6}, "stars"),
        ({"text": "ok", "nps": "9"}, "nps"),
        ({"text": "ok", "nps": 9.5}, "nps"),
        ({"text": 42}, "text"),
        ({"text": "ok", "colour": "red"}, "colour"),
        ({"text": "ok", "channel": "nope"}, "channel"),
        ({"text": "ok", "occurred_at": "yesterday-ish"}, "occurred_at"),
        ({"text": "ok", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"text": "ok", "customer": {"name": "no id"}}, "customer"),
        ({"text": "ok", "customer": {"external_id": "c", "email": "not-an-email"}}, "customer"),
    ],
)
def test_bad_item_is_rejected_naming_the_field(api, payload, field):
    res = api.post("/feedback", payload)
    assert res.status_code == 422, res.content
    fields = [e["field"] for e in res.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert FeedbackItem.objects.count() == 0
    assert Customer.objects.count() == 0


def test_malformed_json(api):
    res = api.post("/feedback", raw='{"text": "unterminated')
    assert res.status_code in (400, 422)
    assert "errors" in res.json()
    assert FeedbackItem.objects.count() == 0


def test_invalid_utf8(api):
    res = api.post("/feedback", raw=b'{"text": "caf\xe9 \xff"}')
    assert res.status_code in (400, 422)
    assert FeedbackItem.objects.count() == 0


def test_lone_surrogate_escape_is_rejected(api):
    res = api.post("/feedback", raw='{"text": "bad \\ud800 char"}')
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "text"


def test_naive_occurred_at_uses_workspace_timezone(api, world):
    world.acme.timezone = "Asia/Shanghai"
    world.acme.save()
    res = api.post("/feedback", {"text": "ok", "occurred_at": "2026-03-01 08:00:00"})
    item = FeedbackItem.objects.get(pk=res.json()["id"])
    assert item.occurred_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def test_batch_keeps_valid_items_and_names_bad_ones(api):
    items = [
        {"text": "good one", "external_id": "a"},
        {"text": "bad rating", "nps": 99},
        {
            "text": "good two",
            "external_id": "b",
            "customer": {"external_id": "C9", "segment": "VIP"},
        },
        "not an object",
        {"text": "repeat of a", "external_id": "a"},
    ]
    res = api.post("/feedback/batch", {"items": items})
    assert res.status_code == 200, res.content
    data = res.json()
    assert (data["created"], data["existing"], data["rejected"]) == (2, 1, 2)
    by_index = {r["index"]: r for r in data["results"]}
    assert by_index[1]["status"] == "error" and by_index[1]["errors"][0]["field"] == "nps"
    assert by_index[3]["status"] == "error"
    assert by_index[4]["id"] == by_index[0]["id"]
    assert FeedbackItem.objects.count() == 2
    assert Customer.objects.get(external_id="C9").segment == "VIP"


def test_batch_of_1001_is_refused(api):
    res = api.post("/feedback/batch", {"items": [{"text": "x"}] * 1001})
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"].startswith("items")
    assert FeedbackItem.objects.count() == 0


def test_batch_all_bad_is_422(api):
    res = api.post("/feedback/batch", {"items": [{"nps": 1}]})
    assert res.status_code == 422
    assert res.json()["rejected"] == 1


def test_batch_retry_is_idempotent(api):
    items = [{"text": f"item {i}", "external_id": f"e{i}"} for i in range(50)]
    first = api.post("/feedback/batch", {"items": items}).json()
    second = api.post("/feedback/batch", {"items": items}).json()
    assert first["created"] == 50 and second["existing"] == 50
    assert [r["id"] for r in first["results"]] == [r["id"] for r in second["results"]]
    assert FeedbackItem.objects.count() == 50


def test_batch_body_not_a_list(api):
    res = api.post("/feedback/batch", {"items": "nope"})
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "items"


def test_occurred_at_in_past_is_kept(api):
    when = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    res = api.post("/feedback", {"text": "old", "occurred_at": when})
    assert res.status_code == 201
    stored = FeedbackItem.objects.get(pk=res.json()["id"]).occurred_at
    assert abs((stored - datetime.fromisoformat(when)).total_seconds()) < 1
    assert (
        json.loads(FeedbackItem.objects.get(pk=res.json()["id"]).raw_payload)["occurred_at"] == when
    )
