"""People deciding on suggested themes: accept as a new topic, merge into a topic, dismiss."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from voxloop.accounts.actors import Actor
from voxloop.accounts.services import do_audit
from voxloop.feedback.models import FeedbackItem, ThemeSuggestion, Topic
from voxloop.feedback.services.labels import MAX_TOPIC_TERMS, do_save_topic
from voxloop.feedback.services.learning import request_reanalysis
from voxloop.feedback.services.themes import ACTION

DEFAULT_KEYWORDS = 3  # the top phrases; broader keyphrases would catch unrelated feedback
MIN_ENGLISH_KEYWORD = 5  # characters of a one-word English keyword
EXAMPLE_CHARS = 200


def access_suggestion(actor: Actor, suggestion_id: int) -> ThemeSuggestion:
    """A suggestion of the actor's workspace, for someone allowed to edit the taxonomy."""
    actor.require(ACTION)
    return ThemeSuggestion.objects.get(workspace=actor.workspace, pk=suggestion_id)


def _open_for_update(actor: Actor, suggestion_id: int) -> ThemeSuggestion:
    actor.require(ACTION)
    suggestion = ThemeSuggestion.objects.select_for_update().get(
        workspace=actor.workspace, pk=suggestion_id
    )
    if suggestion.status != ThemeSuggestion.State.OPEN:
        raise ValidationError(
            {
                "status": _("This theme was decided on already (%(status)s).")
                % {"status": suggestion.get_status_display()}
            }
        )
    return suggestion


def representative_texts(suggestion: ThemeSuggestion) -> list[str]:
    """The redacted texts of the theme's most central items, most central first."""
    ids = [int(i) for i in suggestion.representatives]
    texts = dict(
        FeedbackItem.objects.filter(workspace_id=suggestion.workspace_id, pk__in=ids).values_list(
            "pk", "redacted_text"
        )
    )
    out: list[str] = []
    for pk in ids:
        text = " ".join((texts.get(pk) or "").split())[:EXAMPLE_CHARS]
        if text and text not in out:
            out.append(text)
    return out


def _specific(phrase: str) -> bool:
    """Short English words ("app", "new") would match far too much feedback as keywords."""
    if phrase.isascii():
        return " " in phrase.strip() or len(phrase) >= MIN_ENGLISH_KEYWORD
    return len(phrase.strip()) >= 2


def default_keywords(suggestion: ThemeSuggestion) -> list[str]:
    """The theme's top keyphrases that are specific enough to be keywords."""
    phrases = [str(k) for k in suggestion.keyphrases]
    return [p for p in phrases if _specific(p)][:DEFAULT_KEYWORDS]


def suggested_names(suggestion: ThemeSuggestion) -> tuple[str, str]:
    """(Chinese, English) names: the LLM's, else the top keyphrase in each language, else the label."""
    llm_named = suggestion.label_source == ThemeSuggestion.LabelSource.LLM
    if llm_named and suggestion.name_zh and suggestion.name_en:
        return suggestion.name_zh[:120], suggestion.name_en[:120]
    phrases = [str(p) for p in suggestion.keyphrases if _specific(str(p))]
    zh = next((p for p in phrases if not p.isascii()), "")
    en = next((p for p in phrases if p.isascii()), "")
    en = en[:1].upper() + en[1:]
    return (zh or suggestion.label)[:120], (en or suggestion.label)[:120]


def _decide(
    actor: Actor, suggestion: ThemeSuggestion, status: str, topic: Topic | None
) -> ThemeSuggestion:
    now = timezone.now()
    suggestion.status, suggestion.topic = status, topic
    suggestion.decided_by, suggestion.decided_at, suggestion.updated_at = actor.user, now, now
    suggestion.save(update_fields=["status", "topic", "decided_by", "decided_at", "updated_at"])
    do_audit(
        actor,
        f"theme.{status}",
        suggestion,
        before={"status": ThemeSuggestion.State.OPEN},
        after={
            "status": status,
            "label": suggestion.label,
            "topic": topic.pk if topic else None,
            "size": suggestion.size,
        },
    )
    from voxloop.insights.services.emerging import resolve_theme_alerts

    resolve_theme_alerts(actor.workspace.pk, suggestion.pk, status, now)
    return suggestion


@transaction.atomic
def do_accept_theme(
    actor: Actor,
    suggestion_id: int,
    *,
    name_en: str,
    name_zh: str,
    parent_id: int | None = None,
    keywords: Sequence[str] | None = None,
    examples: Sequence[str] | None = None,
) -> Topic:
    """Make the theme a new topic (keywords and examples default to the theme's), re-analyse."""
    suggestion = _open_for_update(actor, suggestion_id)
    topic = do_save_topic(
        actor,
        name_en=name_en,
        name_zh=name_zh,
        parent_id=parent_id,
        keywords=default_keywords(suggestion) if keywords is None else keywords,
        examples=representative_texts(suggestion) if examples is None else examples,
    )
    _decide(actor, suggestion, ThemeSuggestion.State.ACCEPTED, topic)
    request_reanalysis(actor.workspace.pk, reason=f"theme accepted: {suggestion.label}")
    return topic


def _added(existing: Sequence[str], new: Sequence[str], field: str) -> list[str]:
    present = {str(t).casefold() for t in existing}
    added: list[str] = []
    for term in new:
        if not isinstance(term, str):
            raise ValidationError({field: _("Each entry must be text.")})
        term = term.strip()
        if term and term.casefold() not in present:
            present.add(term.casefold())
            added.append(term)
    room = MAX_TOPIC_TERMS - len(existing)
    if len(added) > room:
        raise ValidationError(
            {
                field: _(
                    "The topic has %(has)d of at most %(max)d entries: %(room)d more fit, "
                    "you are adding %(adding)d."
                )
                % {
                    "has": len(existing),
                    "max": MAX_TOPIC_TERMS,
                    "room": max(room, 0),
                    "adding": len(added),
                }
            }
        )
    return added


@transaction.atomic
def do_merge_theme(
    actor: Actor,
    suggestion_id: int,
    topic_id: int,
    *,
    keywords: Sequence[str] | None = None,
    examples: Sequence[str] | None = None,
) -> Topic:
    """Add the theme's keyphrases and examples to an existing topic, then re-analyse."""
    suggestion = _open_for_update(actor, suggestion_id)
    topic = Topic.objects.filter(workspace=actor.workspace, pk=topic_id).first()
    if topic is None:
        raise ValidationError({"topic": _("Choose a topic of this workspace.")})
    new_keywords = _added(
        topic.keywords, default_keywords(suggestion) if keywords is None else keywords, "keywords"
    )
    new_examples = _added(
        topic.examples,
        representative_texts(suggestion) if examples is None else examples,
        "examples",
    )
    topic = do_save_topic(
        actor,
        topic_id=topic.pk,
        name_en=topic.name_en,
        name_zh=topic.name_zh,
        parent_id=topic.parent_id,
        keywords=[*topic.keywords, *new_keywords],
        examples=[*topic.examples, *new_examples],
    )
    _decide(actor, suggestion, ThemeSuggestion.State.MERGED, topic)
    request_reanalysis(actor.workspace.pk, reason=f"theme merged: {suggestion.label}")
    return topic


@transaction.atomic
def do_dismiss_theme(actor: Actor, suggestion_id: int) -> ThemeSuggestion:
    """Not a theme worth a topic: hidden, and not offered again by later runs."""
    suggestion = _open_for_update(actor, suggestion_id)
    return _decide(actor, suggestion, ThemeSuggestion.State.DISMISSED, None)
