"""Feedback endpoints: ingest one or a batch, list with filters, read, relabel."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from voxloop.accounts.actors import Actor
from voxloop.feedback import selectors
from voxloop.feedback.models import FeedbackItem, Kind, Sentiment, Topic
from voxloop.feedback.models import Status as ItemStatus
from voxloop.feedback.schemas import MAX_BATCH, FeedbackIn, parse_datetime
from voxloop.feedback.services import access_item, do_ingest_feedback, do_relabel

router = Router(tags=["feedback"])


class IngestOut(Schema):
    index: int
    status: str = Field(description="created, existing or error")
    id: int | None = None
    errors: list[dict[str, str]] | None = None


class BatchIn(Schema):
    items: list[Any] = Field(
        ..., max_length=MAX_BATCH, description=f"Up to {MAX_BATCH:,} FeedbackIn objects."
    )


class BatchOut(Schema):
    created: int
    existing: int
    rejected: int
    results: list[IngestOut]


class TopicRef(Schema):
    id: int
    name_en: str
    name_zh: str
    confidence: float
    sentiment: str
    source: str


class FeedbackOut(Schema):
    id: int
    channel: str
    customer: str | None
    external_id: str | None
    occurred_at: datetime
    received_at: datetime
    text: str
    language: str
    nps: int | None
    csat: int | None
    ces: int | None
    stars: int | None
    metadata: dict[str, Any]
    status: str
    sentiment: str
    sentiment_score: float | None
    kind: str
    urgency: list[str]
    keyphrases: list[str]
    duplicate_of: int | None
    topics: list[TopicRef]
    raw_payload: str | None = None


class PageOut(Schema):
    items: list[FeedbackOut]
    next_cursor: str | None


class RelabelIn(Schema):
    sentiment: str | None = None
    kind: str | None = None
    topics: list[int] | None = Field(None, description="Topic ids; replaces the item's topics.")

    model_config = {"extra": "forbid"}


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def serialize(item: FeedbackItem, actor: Actor) -> dict[str, Any]:
    raw = actor.can("feedback.view_raw")
    return {
        "id": item.pk,
        "channel": item.channel.slug,
        "customer": item.customer.external_id if item.customer is not None else None,
        "external_id": item.external_id,
        "occurred_at": item.occurred_at,
        "received_at": item.received_at,
        "text": item.text if raw or not item.redacted_text else item.redacted_text,
        "language": item.language,
        "nps": item.nps,
        "csat": item.csat,
        "ces": item.ces,
        "stars": item.stars,
        "metadata": item.metadata,
        "status": item.status,
        "sentiment": item.sentiment,
        "sentiment_score": item.sentiment_score,
        "kind": item.kind,
        "urgency": item.urgency,
        "keyphrases": item.keyphrases,
        "duplicate_of": item.duplicate_of_id,
        "topics": [
            {
                "id": link.topic_id,
                "name_en": link.topic.name_en,
                "name_zh": link.topic.name_zh,
                "confidence": link.confidence,
                "sentiment": link.sentiment,
                "source": link.source,
            }
            for link in item.topic_links.all()
        ],
        "raw_payload": item.raw_payload if raw else None,
    }


@router.post(
    "/feedback",
    response={201: IngestOut, 200: IngestOut, 422: dict[str, Any]},
    summary="Submit one piece of feedback",
)
def create_feedback(request: HttpRequest, payload: FeedbackIn, response: HttpResponse) -> Any:
    """Stored (with the request body kept verbatim) before the answer is sent.

    201 when new; 200 with the stored id when the same `external_id` (per channel) or
    `Idempotency-Key` header was seen before.
    """
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 200):
        raise HttpError(422, "Idempotency-Key must be 1–200 characters")
    body = request.body.decode("utf-8")
    result = do_ingest_feedback(
        _actor(request), [json.loads(body)], raws=[body], idempotency_keys=[key]
    )[0]
    if result.status == "error":
        return Status(422, {"errors": result.errors})
    return Status(201 if result.status == "created" else 200, result.as_dict())


@router.post(
    "/feedback/batch",
    response={200: BatchOut, 422: BatchOut},
    summary="Submit up to 1,000 items; answered per item",
)
def create_feedback_batch(request: HttpRequest, payload: BatchIn) -> Any:
    """Valid items are stored even when others fail; each result names its index."""
    results = do_ingest_feedback(_actor(request), payload.items, enqueue=True)
    counts = {"created": 0, "existing": 0, "error": 0}
    for r in results:
        counts[r.status] += 1
    body = {
        "created": counts["created"],
        "existing": counts["existing"],
        "rejected": counts["error"],
        "results": [r.as_dict() for r in results],
    }
    status = 422 if counts["error"] == len(results) else 200
    return Status(status, body)


class ListQuery(Schema):
    channel: str | None = None
    since: str | None = Field(None, description="occurred_at ≥ this ISO 8601 time")
    until: str | None = Field(None, description="occurred_at < this ISO 8601 time")
    sentiment: str | None = None
    topic: int | None = None
    kind: str | None = None
    status: str | None = None
    q: str | None = Field(None, description="Full-text search in the feedback text")
    customer: str | None = Field(None, description="Customer external id")
    urgency: str | None = Field(
        None, description=f"Items with this urgency flag: {', '.join(selectors.URGENCY_FLAGS)}"
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=500)


def _filter(actor: Actor, query: ListQuery) -> selectors.FeedbackFilter:
    tz = actor.workspace.timezone
    try:
        since = parse_datetime(query.since, tz) if query.since else None
    except ValueError as exc:
        raise HttpError(422, f"since: {exc}") from None
    try:
        until = parse_datetime(query.until, tz) if query.until else None
    except ValueError as exc:
        raise HttpError(422, f"until: {exc}") from None
    choices = {
        "sentiment": Sentiment.values,
        "kind": Kind.values,
        "status": ItemStatus.values,
        "urgency": list(selectors.URGENCY_FLAGS),
    }
    for name, allowed in choices.items():
        value = getattr(query, name)
        if value is not None and value not in allowed:
            raise HttpError(422, f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return selectors.FeedbackFilter(
        channel=query.channel,
        since=since,
        until=until,
        sentiment=query.sentiment,
        topic=query.topic,
        kind=query.kind,
        status=query.status,
        q=query.q,
        customer=query.customer,
        urgency=query.urgency,
    )


@router.get("/feedback", response=PageOut, summary="List feedback, newest first")
def list_feedback(request: HttpRequest, query: Query[ListQuery]) -> Any:
    actor = _actor(request)
    actor.require("feedback.view")
    qs = selectors.feedback_queryset(actor.workspace, _filter(actor, query))
    try:
        rows, next_cursor = selectors.page(qs, cursor=query.cursor, limit=query.limit)
    except ValueError as exc:
        raise HttpError(422, f"cursor: {exc}") from None
    return {"items": [serialize(r, actor) for r in rows], "next_cursor": next_cursor}


@router.get("/feedback/{item_id}", response=FeedbackOut, summary="Read one item")
def get_feedback(request: HttpRequest, item_id: int) -> Any:
    actor = _actor(request)
    item = access_item(actor, item_id)
    item = selectors.with_related(FeedbackItem.objects.filter(pk=item.pk)).get()
    return serialize(item, actor)


@router.patch("/feedback/{item_id}", response=FeedbackOut, summary="Correct labels")
def relabel_feedback(request: HttpRequest, item_id: int, payload: RelabelIn) -> Any:
    """Each change is stored as a correction that the workspace's model learns from."""
    actor = _actor(request)
    do_relabel(
        actor, item_id, sentiment=payload.sentiment, kind=payload.kind, topic_ids=payload.topics
    )
    item = selectors.with_related(FeedbackItem.objects.filter(pk=item_id)).get()
    return serialize(item, actor)


class TopicOut(Schema):
    id: int
    parent: int | None
    level: int
    name_en: str
    name_zh: str
    keywords: list[str]


@router.get("/topics", response=list[TopicOut], summary="The workspace's taxonomy")
def list_topics(request: HttpRequest) -> Any:
    actor = _actor(request)
    actor.require("feedback.view")
    return [
        {
            "id": t.pk,
            "parent": t.parent_id,
            "level": t.level,
            "name_en": t.name_en,
            "name_zh": t.name_zh,
            "keywords": t.keywords,
        }
        for t in Topic.objects.filter(workspace=actor.workspace).order_by("level", "id")
    ]
