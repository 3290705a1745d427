"""Read queries for feedback, shared by the inbox, the API and exports."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Prefetch, Q, QuerySet

from voxloop.accounts.models import Workspace
from voxloop.analysis.kinds import URGENCY
from voxloop.feedback.models import FeedbackItem, FeedbackTopic, ThemeMember, Topic

URGENCY_FLAGS: tuple[str, ...] = tuple(URGENCY)


@dataclass
class FeedbackFilter:
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    sentiment: str | None = None
    topic: int | None = None
    kind: str | None = None
    status: str | None = None
    q: str | None = None
    customer: str | None = None
    urgency: str | None = None  # one of URGENCY_FLAGS
    theme: int | None = None  # a suggested theme's items (ThemeSuggestion id)


def topic_with_descendants(workspace: Workspace, topic_id: int) -> list[int]:
    ids = [topic_id]
    frontier = [topic_id]
    for _ in range(2):  # three levels at most
        frontier = list(
            Topic.objects.filter(workspace=workspace, parent_id__in=frontier).values_list(
                "id", flat=True
            )
        )
        ids += frontier
    return ids


def feedback_queryset(workspace: Workspace, f: FeedbackFilter) -> QuerySet[FeedbackItem]:
    qs = FeedbackItem.objects.filter(workspace=workspace)
    if f.channel:
        qs = qs.filter(channel__slug=f.channel)
    if f.since:
        qs = qs.filter(occurred_at__gte=f.since)
    if f.until:
        qs = qs.filter(occurred_at__lt=f.until)
    if f.sentiment:
        qs = qs.filter(sentiment=f.sentiment)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.customer:
        qs = qs.filter(customer__external_id=f.customer)
    if f.urgency:
        qs = with_urgency(qs, f.urgency)
    if f.topic:
        qs = qs.filter(
            pk__in=FeedbackTopic.objects.filter(
                topic_id__in=topic_with_descendants(workspace, f.topic)
            ).values("item_id")
        )
    if f.theme:
        qs = qs.filter(
            pk__in=ThemeMember.objects.filter(
                suggestion_id=f.theme, suggestion__workspace=workspace
            ).values("item_id")
        )
    if f.q:
        for term in f.q.split()[:5]:
            qs = qs.filter(Q(text__icontains=term) | Q(customer__external_id=term))
    return qs


def with_urgency(qs: QuerySet[FeedbackItem], flag: str) -> QuerySet[FeedbackItem]:
    """Items whose urgency list holds `flag`."""
    if flag not in URGENCY_FLAGS:
        raise ValueError(f"urgency: {flag!r} is not one of {', '.join(URGENCY_FLAGS)}")
    if connections[qs.db].vendor == "postgresql":
        return qs.filter(urgency__contains=[flag])  # jsonb @>, exact element match
    # SQLite has no JSON containment lookup; the list is stored as JSON text, and a flag is a
    # plain word, so its quoted form matches exactly one element and never part of another.
    return qs.filter(urgency__icontains=f'"{flag}"')


def with_related(qs: QuerySet[FeedbackItem]) -> QuerySet[FeedbackItem]:
    return qs.select_related("channel", "customer").prefetch_related(
        Prefetch("topic_links", queryset=FeedbackTopic.objects.select_related("topic"))
    )


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, value = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
        if kind != "id":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("cursor is not one this server gave out") from None


def page(
    qs: QuerySet[FeedbackItem], *, cursor: str | None, limit: int
) -> tuple[list[FeedbackItem], str | None]:
    """Newest first; a cursor continues after the last item of the previous page."""
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(with_related(qs.order_by("-id"))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].pk) if more and rows else None)
