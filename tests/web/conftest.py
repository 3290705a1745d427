"""Inbox data for web tests: a small taxonomy and analysed items in acme, one item in globex."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from voxloop.customers.models import Customer
from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, Topic


@dataclass
class Inbox:
    delivery: Topic
    late: Topic
    price: Topic
    late_item: FeedbackItem  # negative complaint, delivery/late, customer C-1 with PII
    praise_item: FeedbackItem  # positive praise, price
    dup_item: FeedbackItem  # duplicate of late_item
    junk_item: FeedbackItem
    globex_item: FeedbackItem
    survey: Channel


def analysed(ws: Any, text: str, **kw: Any) -> FeedbackItem:
    kw.setdefault("status", "analyzed")
    kw.setdefault("analyzed_at", timezone.now())
    raw = kw.pop("raw_payload", None)
    item = factories.item(ws, text, **kw)
    if raw is not None:
        FeedbackItem.objects.filter(pk=item.pk).update(raw_payload=raw)
        item.raw_payload = raw
    return item


@pytest.fixture
def inbox(world: Any) -> Inbox:
    acme = world.acme
    survey = Channel.objects.create(workspace=acme, kind="survey", name="NPS survey", slug="nps")
    delivery = factories.topic(acme, "Delivery", "配送")
    late = factories.topic(acme, "Late delivery", "配送延迟", parent=delivery)
    price = factories.topic(acme, "Price", "价格")
    customer = Customer.objects.create(
        workspace=acme,
        external_id="C-1",
        name="Wang Fang",
        email="wang@example.cn",
        phone="13800138000",
        segment="VIP",
        tier="gold",
    )
    text = "Package came 5 days late, call me at 13800138000. Terrible delivery."
    late_item = analysed(
        acme,
        text,
        customer=customer,
        sentiment="negative",
        sentiment_score=-0.8,
        kind="complaint",
        urgency=["churn"],
        keyphrases=["5 days late"],
        redacted_text=text.replace("13800138000", "[PHONE]"),
        raw_payload='{"text": "Package came 5 days late", "secret_field": "raw-only"}',
        nps=2,
        analysis={
            "pii": [{"start": 36, "end": 47, "kind": "phone", "text": "13800138000"}],
            "sentiment_evidence": [
                {"start": 58, "end": 66, "kind": "negative", "text": "Terrible"}
            ],
            "junk": {"score": 0.05, "reasons": []},
        },
        duplicate_count=1,
    )
    FeedbackTopic.objects.create(
        item=late_item,
        topic=late,
        confidence=0.87,
        sentiment="negative",
        source="keyword",
        evidence=[{"start": 13, "end": 22, "kind": "keyword", "text": "days late"}],
    )
    praise_item = analysed(
        acme,
        "价格很实惠，客服态度也好",
        channel=survey,
        sentiment="positive",
        sentiment_score=0.9,
        kind="praise",
        occurred_at=timezone.now() - timedelta(days=10),
    )
    FeedbackTopic.objects.create(
        item=praise_item, topic=price, confidence=0.7, sentiment="positive", source="model"
    )
    dup_item = analysed(
        acme,
        "Package came 5 days late. Terrible delivery!",
        status="duplicate",
        duplicate_of=late_item,
        sentiment="negative",
        kind="complaint",
    )
    junk_item = analysed(acme, "asdfasdf", status="junk", sentiment="neutral", kind="other")
    globex_item = factories.item(world.globex, "Globex secret feedback")
    return Inbox(
        delivery, late, price, late_item, praise_item, dup_item, junk_item, globex_item, survey
    )


@pytest.fixture
def login(client: Any) -> Any:
    def as_user(user: Any) -> Any:
        client.force_login(user)
        return client

    return as_user
