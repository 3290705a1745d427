"""Display labels for analysis values shown as chips (urgency flags have no model choices)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from voxloop.feedback.models import Kind, Sentiment, Status, TopicSource

# The inbox speaks of these values on every row; its own catalog carries them so the page is
# complete in Chinese whatever other catalogs hold.
SENTIMENT: dict[str, Promise] = {
    Sentiment.POSITIVE: pgettext_lazy("sentiment", "Positive"),
    Sentiment.NEUTRAL: pgettext_lazy("sentiment", "Neutral"),
    Sentiment.NEGATIVE: pgettext_lazy("sentiment", "Negative"),
}
KIND: dict[str, Promise] = {
    Kind.COMPLAINT: pgettext_lazy("feedback type", "Complaint"),
    Kind.SUGGESTION: pgettext_lazy("feedback type", "Suggestion"),
    Kind.PRAISE: pgettext_lazy("feedback type", "Praise"),
    Kind.QUESTION: pgettext_lazy("feedback type", "Question"),
    Kind.OTHER: pgettext_lazy("feedback type", "Other"),
}
STATUS: dict[str, Promise] = {
    Status.RECEIVED: pgettext_lazy("feedback status", "Waiting for analysis"),
    Status.ANALYZED: pgettext_lazy("feedback status", "Analyzed"),
    Status.JUNK: pgettext_lazy("feedback status", "Junk"),
    Status.DUPLICATE: pgettext_lazy("feedback status", "Duplicate"),
}
URGENCY: dict[str, Promise] = {
    "safety": _("Safety"),
    "legal": _("Legal"),
    "churn": _("Churn risk"),
    "media": _("Media"),
}
TOPIC_SOURCE: dict[str, Promise] = {
    TopicSource.KEYWORD: pgettext_lazy("topic source", "Keyword"),
    TopicSource.EXAMPLE: pgettext_lazy("topic source", "Example"),
    TopicSource.MODEL: pgettext_lazy("topic source", "Model"),
    TopicSource.LLM: pgettext_lazy("topic source", "LLM"),
    TopicSource.MANUAL: pgettext_lazy("topic source", "Manual"),
}
CORRECTION_FIELD: dict[str, Promise] = {
    "sentiment": _("Sentiment"),
    "kind": _("Type"),
    "topics": _("Topics"),
}
BULK_ACTION: dict[str, Promise] = {
    "mark_junk": _("Mark as junk"),
    "mark_not_junk": _("Not junk"),
    "set_sentiment": _("Set sentiment"),
    "set_kind": _("Set type"),
    "add_topic": _("Add topic"),
    "reanalyze": _("Analyse again"),
}


def choices(mapping: dict[str, Promise]) -> list[tuple[str, Promise]]:
    return list(mapping.items())


def label(mapping: dict[str, Promise], value: str) -> str:
    return str(mapping.get(value, value))


ROLE: dict[str, Promise] = {
    "owner": pgettext_lazy("role", "Owner"),
    "admin": pgettext_lazy("role", "Admin"),
    "manager": pgettext_lazy("role", "Manager"),
    "agent": pgettext_lazy("role", "Agent"),
    "analyst": pgettext_lazy("role", "Analyst"),
    "viewer": pgettext_lazy("role", "Viewer"),
}


LANGUAGE: dict[str, Promise] = {
    "zh": _("Chinese"),
    "en": _("English"),
    "mixed": _("Chinese and English"),
    "other": _("Other language"),
}
