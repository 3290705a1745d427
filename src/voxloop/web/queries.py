"""Read queries of the inbox pages, on top of the feedback selectors (same filters as the API)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from voxloop.accounts.models import Workspace
from voxloop.feedback import selectors
from voxloop.feedback.models import Channel, Correction, FeedbackItem, Topic


def sentiment_counts(qs: QuerySet[FeedbackItem]) -> dict[str, int]:
    """How many matching items have each sentiment ('' = not analysed yet); one query."""
    rows = qs.order_by().values("sentiment").annotate(n=Count("id"))
    return {row["sentiment"]: row["n"] for row in rows}


def channels(workspace: Workspace) -> list[Channel]:
    return list(Channel.objects.filter(workspace=workspace).order_by("name"))


def topics(workspace: Workspace) -> list[Topic]:
    return list(Topic.objects.filter(workspace=workspace, is_active=True).order_by("level", "id"))


def item_for_page(workspace: Workspace, item_id: int) -> FeedbackItem:
    return (
        selectors.with_related(FeedbackItem.objects.filter(workspace=workspace, pk=item_id))
        .select_related("duplicate_of")
        .get()
    )


def duplicates_of(item: FeedbackItem, limit: int = 20) -> list[FeedbackItem]:
    return list(
        FeedbackItem.objects.filter(workspace_id=item.workspace_id, duplicate_of=item)
        .select_related("channel")
        .order_by("-id")[:limit]
    )


def corrections(item: FeedbackItem) -> list[Correction]:
    return list(
        Correction.objects.filter(workspace_id=item.workspace_id, item=item)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def topic_names(workspace: Workspace, ids: Any, language: str) -> dict[int, str]:
    wanted = {int(i) for i in ids if isinstance(i, int | str) and str(i).isdigit()}
    return {
        t.pk: t.name_for(language) for t in Topic.objects.filter(workspace=workspace, pk__in=wanted)
    }
