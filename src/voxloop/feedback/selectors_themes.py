"""Read queries for suggested themes: the cards of the taxonomy page and the discovery status."""

from __future__ import annotations

from dataclasses import dataclass, field

from voxloop.accounts.models import Workspace
from voxloop.feedback.models import Channel, FeedbackItem, ThemeDiscovery, ThemeSuggestion

MAX_CARDS = 50
CARD_EXAMPLES = 3


@dataclass
class ThemeCard:
    suggestion: ThemeSuggestion
    channels: list[str] = field(default_factory=list)
    examples: list[tuple[int, str]] = field(default_factory=list)  # (item id, redacted text)

    @property
    def growth_percent(self) -> int | None:
        g = self.suggestion.growth
        return None if g is None else round(100 * g)


def theme_cards(workspace: Workspace, limit: int = MAX_CARDS) -> list[ThemeCard]:
    """Open suggestions, busiest this week first, with channel names and examples (3 queries)."""
    suggestions = list(
        ThemeSuggestion.objects.filter(workspace=workspace, status=ThemeSuggestion.State.OPEN)
        .defer("centroid")
        .order_by("-recent_count", "-size", "-id")[:limit]
    )
    if not suggestions:
        return []
    names = dict(Channel.objects.filter(workspace=workspace).values_list("id", "name"))
    wanted = {int(i) for s in suggestions for i in s.representatives[:CARD_EXAMPLES]}
    texts = dict(
        FeedbackItem.objects.filter(workspace=workspace, pk__in=wanted).values_list(
            "pk", "redacted_text"
        )
    )
    return [
        ThemeCard(
            suggestion=s,
            channels=[names[c] for c in s.channels if c in names],
            examples=[
                (int(i), texts[int(i)])
                for i in s.representatives[:CARD_EXAMPLES]
                if texts.get(int(i))
            ],
        )
        for s in suggestions
    ]


def open_count(workspace: Workspace) -> int:
    return ThemeSuggestion.objects.filter(
        workspace=workspace, status=ThemeSuggestion.State.OPEN
    ).count()


def discovery_status(workspace: Workspace) -> ThemeDiscovery | None:
    return ThemeDiscovery.objects.filter(workspace=workspace).first()
