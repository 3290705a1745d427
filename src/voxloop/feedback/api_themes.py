"""REST endpoint of suggested themes (mounted at /api/v1/themes): read-only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from voxloop.accounts.actors import Actor
from voxloop.feedback.models import Channel, ThemeSuggestion

router = Router(tags=["themes"])
MAX_THEMES = 200


class ThemeOut(Schema):
    id: int
    label: str  # from the key phrases, always present
    name_zh: str  # written by the LLM when LLM mode is on, else empty
    name_en: str
    summary: str  # in the request's language (Accept-Language), else the other one
    summary_zh: str
    summary_en: str
    label_source: str  # "keyphrases" or "llm"
    keyphrases: list[str]
    status: str
    size: int
    growth: float | None
    recent_count: int
    previous_count: int
    channels: list[str]  # channel slugs, most items first
    representatives: list[int]  # feedback item ids, most central first
    first_seen: datetime
    last_seen: datetime
    topic_id: int | None
    inbox_url: str


@router.get("", response=list[ThemeOut], summary="Suggested themes (open ones by default)")
def list_themes(
    request: HttpRequest,
    status: Literal["open", "accepted", "merged", "dismissed", "expired", "all"] = "open",
) -> list[ThemeOut]:
    actor: Actor = request.auth  # type: ignore[attr-defined]
    actor.require("feedback.view")
    qs = ThemeSuggestion.objects.filter(workspace=actor.workspace).defer("centroid")
    if status != "all":
        qs = qs.filter(status=status)
    slugs = dict(Channel.objects.filter(workspace=actor.workspace).values_list("id", "slug"))
    inbox = reverse("web:inbox")
    return [
        ThemeOut(
            id=s.pk,
            label=s.label,
            name_zh=s.name_zh,
            name_en=s.name_en,
            summary=s.display_summary,
            summary_zh=s.summary_zh,
            summary_en=s.summary_en,
            label_source=s.label_source,
            keyphrases=[str(k) for k in s.keyphrases],
            status=s.status,
            size=s.size,
            growth=s.growth,
            recent_count=s.recent_count,
            previous_count=s.previous_count,
            channels=[slugs[c] for c in s.channels if c in slugs],
            representatives=[int(i) for i in s.representatives],
            first_seen=s.first_seen,
            last_seen=s.last_seen,
            topic_id=s.topic_id,
            inbox_url=f"{inbox}?theme={s.pk}",
        )
        for s in qs.order_by("-recent_count", "-size", "-id")[:MAX_THEMES]
    ]
