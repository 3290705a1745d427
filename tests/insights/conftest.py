"""Insights test data: a small taxonomy, two channels, segmented customers and analysed items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from voxloop.customers.models import Customer
from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, Topic


@dataclass
class Shop:
    ws: Any
    api: Channel
    app: Channel
    delivery: Topic
    late: Topic
    price: Topic
    vip: Customer
    regular: Customer
    now: datetime


def add(
    shop: Shop,
    hours_ago: float,
    *,
    sentiment: str = "neutral",
    kind: str = "other",
    topics: tuple[tuple[Topic, str], ...] = (),
    channel: Channel | None = None,
    customer: Customer | None = None,
    status: str = "analyzed",
    **scores: Any,
) -> FeedbackItem:
    item = FeedbackItem.objects.create(
        workspace=shop.ws,
        channel=channel or shop.api,
        customer=customer,
        occurred_at=shop.now - timedelta(hours=hours_ago),
        text=f"{sentiment} {kind} {hours_ago}",
        raw_payload="{}",
        status=status,
        sentiment=sentiment,
        kind=kind,
        keyphrases=["配送慢"] if sentiment == "negative" else ["味道好"],
        **scores,
    )
    for topic, topic_sentiment in topics:
        FeedbackTopic.objects.create(
            item=item, topic=topic, sentiment=topic_sentiment, source="keyword"
        )
    return item


@pytest.fixture
def shop(world: Any) -> Shop:
    ws = world.acme
    app = Channel.objects.create(workspace=ws, kind="widget", name="App", slug="app")
    delivery = factories.topic(ws, "Delivery", "配送")
    late = factories.topic(ws, "Late delivery", "配送延迟", parent=delivery)
    price = factories.topic(ws, "Price", "价格")
    vip = Customer.objects.create(workspace=ws, external_id="V1", segment="vip")
    regular = Customer.objects.create(workspace=ws, external_id="R1", segment="regular")
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    return Shop(
        ws=ws,
        api=Channel.objects.get(workspace=ws, slug="api"),
        app=app,
        delivery=delivery,
        late=late,
        price=price,
        vip=vip,
        regular=regular,
        now=now,
    )


@pytest.fixture
def login(client: Any) -> Any:
    def as_user(user: Any) -> Any:
        client.force_login(user)
        return client

    return as_user
