"""Realistic inbox data for browser tests and the README screenshots (built with the factories)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests import factories
from voxloop.customers.models import Customer
from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, Topic

# (text, channel, sentiment, kind, topics [(topic key, topic sentiment)], urgency, nps, stars,
#  customer index or None, hours ago, evidence words)
ROWS: list[tuple[Any, ...]] = [  # newest first
    (
        "快递比承诺的晚了整整五天，客服一直说在路上，太失望了。",
        "app",
        "negative",
        "complaint",
        [("late", "negative")],
        ["churn"],
        2,
        None,
        0,
        2,
        ["太失望了", "晚了整整五天"],
    ),
    (
        "The courier left my parcel in the rain and the box was soaked. Packaging needs to be better.",
        "email",
        "negative",
        "complaint",
        [("packaging", "negative")],
        [],
        None,
        2,
        1,
        3,
        ["soaked", "left my parcel in the rain"],
    ),
    (
        "客服小王很耐心，十分钟就帮我解决了退款问题，点赞！",
        "survey",
        "positive",
        "praise",
        [("response", "positive")],
        [],
        10,
        None,
        2,
        5,
        ["很耐心", "点赞"],
    ),
    (
        "Could you add Apple Pay at checkout? It would make ordering much faster.",
        "app",
        "neutral",
        "suggestion",
        [("checkout", "neutral")],
        [],
        8,
        None,
        None,
        7,
        ["add Apple Pay"],
    ),
    (
        "价格比上个月涨了不少，同样的东西别家便宜二十块。",
        "app",
        "negative",
        "complaint",
        [("price", "negative")],
        [],
        4,
        2,
        3,
        9,
        ["涨了不少"],
    ),
    (
        "App 更新后一登录就闪退，已经试了三次，订单都看不了。",
        "app",
        "negative",
        "complaint",
        [("crash", "negative")],
        ["churn"],
        1,
        1,
        4,
        11,
        ["闪退"],
    ),
    (
        "Fast delivery and the fruit was fresh. Will order again!",
        "survey",
        "positive",
        "praise",
        [("delivery", "positive"), ("quality", "positive")],
        [],
        9,
        5,
        5,
        14,
        ["Fast delivery", "fresh"],
    ),
    (
        "充电器用了两天就发烫冒烟，差点引起火灾，请尽快处理！",
        "email",
        "negative",
        "complaint",
        [("quality", "negative")],
        ["safety"],
        0,
        1,
        6,
        16,
        ["发烫冒烟", "差点引起火灾"],
    ),
    (
        "How do I change the delivery address after the order is placed?",
        "email",
        "neutral",
        "question",
        [("delivery", "neutral")],
        [],
        None,
        None,
        7,
        20,
        ["change the delivery address"],
    ),
    (
        "包装很用心，送给朋友的礼物她很喜欢。",
        "survey",
        "positive",
        "praise",
        [("packaging", "positive")],
        [],
        10,
        5,
        8,
        26,
        ["很用心", "很喜欢"],
    ),
    (
        "Third time my order arrived late this month. I'm cancelling my membership.",
        "app",
        "negative",
        "complaint",
        [("late", "negative")],
        ["churn"],
        0,
        1,
        9,
        30,
        ["arrived late", "cancelling my membership"],
    ),
    (
        "希望可以增加晚上八点以后的配送时段，上班族白天不在家。",
        "app",
        "neutral",
        "suggestion",
        [("delivery", "neutral")],
        [],
        7,
        None,
        10,
        34,
        ["希望可以增加"],
    ),
    (
        "The support chat took 40 minutes to answer. Way too slow.",
        "survey",
        "negative",
        "complaint",
        [("response", "negative")],
        [],
        3,
        None,
        11,
        40,
        ["Way too slow"],
    ),
    (
        "质量不错，性价比很高，会推荐给同事。",
        "survey",
        "positive",
        "praise",
        [("quality", "positive"), ("price", "positive")],
        [],
        9,
        5,
        12,
        48,
        ["性价比很高", "会推荐"],
    ),
    (
        "如果再这样延误我就去消费者协会投诉，并且发到微博上。",
        "email",
        "negative",
        "complaint",
        [("late", "negative")],
        ["legal", "media"],
        0,
        None,
        13,
        52,
        ["去消费者协会投诉"],
    ),
    (
        "Checkout keeps failing with my Visa card, error code 502.",
        "app",
        "negative",
        "complaint",
        [("checkout", "negative")],
        [],
        2,
        2,
        14,
        60,
        ["keeps failing"],
    ),
]
CUSTOMERS = [
    ("M-10293", "王芳", "VIP", "gold"),
    ("M-20417", "Emily Carter", "Regular", "silver"),
    ("M-30552", "李娜", "VIP", "platinum"),
    ("M-40911", "张伟", "New", "bronze"),
    ("M-51200", "陈静", "Regular", "silver"),
    ("M-62003", "Liam Walker", "VIP", "gold"),
    ("M-70381", "刘洋", "Regular", "bronze"),
    ("M-80866", "Sophie Martin", "New", "bronze"),
    ("M-90157", "赵磊", "VIP", "gold"),
    ("M-91022", "Noah Brown", "Regular", "silver"),
    ("M-92210", "孙丽", "New", "bronze"),
    ("M-93007", "Olivia Green", "Regular", "silver"),
    ("M-94518", "周杰", "VIP", "platinum"),
    ("M-95230", "吴敏", "Regular", "gold"),
    ("M-96371", "Ethan Hall", "New", "bronze"),
]


def _topics(ws: Any) -> dict[str, Topic]:
    t = factories.topic
    delivery = t(ws, "Delivery", "配送")
    service = t(ws, "Customer service", "客户服务")
    product = t(ws, "Product", "产品")
    app = t(ws, "App & website", "App 与网站")
    return {
        "delivery": delivery,
        "late": t(ws, "Late delivery", "配送延迟", parent=delivery),
        "packaging": t(ws, "Packaging", "包装", parent=delivery),
        "response": t(ws, "Response time", "响应速度", parent=service),
        "quality": t(ws, "Quality", "质量", parent=product),
        "price": t(ws, "Price", "价格", parent=product),
        "crash": t(ws, "Crashes", "闪退", parent=app),
        "checkout": t(ws, "Checkout", "结账", parent=app),
    }


def seed_inbox(ws: Any) -> dict[str, Any]:
    """Channels, a taxonomy, customers and analysed feedback in Chinese and English."""
    channels = {
        "app": Channel.objects.create(
            workspace=ws, kind="review", name="App Store", slug="app-store"
        ),
        "survey": Channel.objects.create(
            workspace=ws, kind="survey", name="NPS survey", slug="nps-survey"
        ),
        "email": Channel.objects.create(
            workspace=ws, kind="email", name="Support mail", slug="support-mail"
        ),
    }
    topics = _topics(ws)
    customers = [
        Customer.objects.create(
            workspace=ws,
            external_id=e,
            name=n,
            segment=s,
            tier=tier,
            email=f"{e.lower()}@example.cn",
        )
        for e, n, s, tier in CUSTOMERS
    ]
    now = timezone.now()
    # Oldest first, so the inbox (newest id first) reads in time order.
    junk = factories.item(
        ws,
        "😀😀😀 asdf",
        channel=channels["app"],
        status="junk",
        occurred_at=now - timedelta(hours=70),
        analyzed_at=now,
    )
    items = []
    for text, ch, sentiment, kind, hits, urgency, nps, stars, cust, hours, evidence in reversed(
        ROWS
    ):
        spans = [
            {"start": text.find(w), "end": text.find(w) + len(w), "kind": sentiment, "text": w}
            for w in evidence
            if w in text
        ]
        item = factories.item(
            ws,
            text,
            channel=channels[ch],
            customer=customers[cust] if cust is not None else None,
            occurred_at=now - timedelta(hours=hours),
            status="analyzed",
            analyzed_at=now,
            language="zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en",
            sentiment=sentiment,
            sentiment_score={"positive": 0.8, "neutral": 0.0, "negative": -0.7}[sentiment],
            kind=kind,
            urgency=urgency,
            nps=nps,
            stars=stars,
            redacted_text=text,
            keyphrases=evidence[:2],
            analysis={
                "sentiment_evidence": spans,
                "pii": [],
                "kind_confidence": 0.82,
                "junk": {"score": 0.02, "reasons": []},
            },
        )
        for key, topic_sentiment in hits:
            FeedbackTopic.objects.create(
                item=item,
                topic=topics[key],
                confidence=0.78,
                sentiment=topic_sentiment,
                source="keyword",
                evidence=spans[-1:],
            )
        items.append(item)
    items.reverse()  # in the order of ROWS
    original = items[0]
    dup = factories.item(
        ws,
        "快递比承诺的晚了五天，客服一直说在路上，太失望了！",
        channel=channels["app"],
        occurred_at=now - timedelta(hours=1),
        status="duplicate",
        duplicate_of=original,
        sentiment="negative",
        kind="complaint",
        analyzed_at=now,
        language="zh",
    )
    FeedbackItem.objects.filter(pk=original.pk).update(duplicate_count=1)
    return {
        "items": items,
        "junk": junk,
        "dup": dup,
        "topics": topics,
        "channels": channels,
        "customers": customers,
    }
