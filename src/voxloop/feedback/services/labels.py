"""People correcting analysis (relabels, bulk actions) and editing the taxonomy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from voxloop.accounts.actors import Actor
from voxloop.accounts.services import do_audit
from voxloop.feedback.models import (
    Channel,
    ChannelKind,
    Correction,
    FeedbackItem,
    FeedbackTopic,
    Kind,
    Sentiment,
    Status,
    Topic,
    TopicSource,
)
from voxloop.feedback.services.ingest import forget_channels

MAX_TOPIC_TERMS = 50


def access_item(actor: Actor, item_id: int, action: str = "feedback.view") -> FeedbackItem:
    """The item if it is in the actor's workspace and the actor may do `action`."""
    actor.require(action)
    return FeedbackItem.objects.select_related("channel", "customer").get(
        pk=item_id, workspace=actor.workspace
    )


def _topic_ids(item: FeedbackItem) -> list[int]:
    return sorted(item.topic_links.values_list("topic_id", flat=True))


@transaction.atomic
def do_relabel(
    actor: Actor,
    item_id: int,
    *,
    sentiment: str | None = None,
    kind: str | None = None,
    topic_ids: Sequence[int] | None = None,
) -> FeedbackItem:
    """Change an item's labels; each change is kept as a Correction (a training example)."""
    item, changed = _relabel(actor, item_id, sentiment=sentiment, kind=kind, topic_ids=topic_ids)
    if changed:
        _after_relabel(actor.workspace.pk, [item.pk])
    return item


def _after_relabel(workspace_id: int, item_ids: Sequence[int]) -> None:
    """Once per request: queue a model refit and bring the rollups of these items up to date."""
    from voxloop.feedback.services.learning import schedule_refit
    from voxloop.insights.services import do_update_rollups

    schedule_refit(workspace_id)
    do_update_rollups(workspace_id, item_ids)


def _relabel(
    actor: Actor,
    item_id: int,
    *,
    sentiment: str | None = None,
    kind: str | None = None,
    topic_ids: Sequence[int] | None = None,
) -> tuple[FeedbackItem, bool]:
    """Apply and record the changes; the caller refits and updates rollups afterwards."""
    item = access_item(actor, item_id, "feedback.relabel")
    if sentiment is not None and sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": f"Choose one of {', '.join(Sentiment.values)}."})
    if kind is not None and kind not in Kind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(Kind.values)}."})
    if topic_ids is not None:
        wanted = sorted(set(topic_ids))
        known = set(
            Topic.objects.filter(workspace=actor.workspace, pk__in=wanted).values_list(
                "pk", flat=True
            )
        )
        missing = [t for t in wanted if t not in known]
        if missing:
            raise ValidationError({"topics": f"Unknown topics in this workspace: {missing}."})
    corrections = []
    fields = []
    if sentiment is not None and sentiment != item.sentiment:
        corrections.append(
            Correction(field="sentiment", old_value=item.sentiment, new_value=sentiment)
        )
        item.sentiment = sentiment
        item.sentiment_score = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}[sentiment]
        fields += ["sentiment", "sentiment_score"]
    if kind is not None and kind != item.kind:
        corrections.append(Correction(field="kind", old_value=item.kind, new_value=kind))
        item.kind = kind
        fields.append("kind")
    if topic_ids is not None:
        old = _topic_ids(item)
        if old != wanted:
            corrections.append(Correction(field="topics", old_value=old, new_value=wanted))
            FeedbackTopic.objects.filter(item=item).exclude(topic_id__in=wanted).delete()
            FeedbackTopic.objects.filter(item=item, topic_id__in=wanted).update(
                source=TopicSource.MANUAL, confidence=1.0
            )
            present = set(old)
            FeedbackTopic.objects.bulk_create(
                [
                    FeedbackTopic(
                        item=item,
                        topic_id=t,
                        source=TopicSource.MANUAL,
                        confidence=1.0,
                        sentiment=item.sentiment,
                    )
                    for t in wanted
                    if t not in present
                ]
            )
    if not corrections:
        return item, False
    if fields:
        item.save(update_fields=fields)
    for c in corrections:
        c.workspace = actor.workspace
        c.item = item
        c.user = actor.user
    Correction.objects.bulk_create(corrections)
    do_audit(
        actor,
        "feedback.relabel",
        item,
        before={c.field: c.old_value for c in corrections},
        after={c.field: c.new_value for c in corrections},
    )
    return item, True


BULK_ACTIONS = (
    "mark_junk",
    "mark_not_junk",
    "set_sentiment",
    "set_kind",
    "add_topic",
    "reanalyze",
)


def _check_bulk_value(actor: Actor, action: str, value: Any) -> Any:
    """The action's value, checked before any item changes (the whole batch or nothing)."""
    if action == "set_sentiment":
        if value not in Sentiment.values:
            raise ValidationError({"sentiment": f"Choose one of {', '.join(Sentiment.values)}."})
        return str(value)
    if action == "set_kind":
        if value not in Kind.values:
            raise ValidationError({"kind": f"Choose one of {', '.join(Kind.values)}."})
        return str(value)
    if action == "add_topic":
        try:
            return Topic.objects.get(workspace=actor.workspace, pk=int(value))
        except (TypeError, ValueError, Topic.DoesNotExist):
            raise ValidationError({"value": "Choose a topic of this workspace."}) from None
    return None


@transaction.atomic
def do_bulk_action(actor: Actor, item_ids: Sequence[int], action: str, value: Any = None) -> int:
    """Apply one action to many items of the workspace; returns how many changed."""
    actor.require("feedback.bulk")
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": f"Choose one of {', '.join(BULK_ACTIONS)}."})
    checked = _check_bulk_value(actor, action, value)
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        raise ValidationError({"ids": "Select at least one item."})
    if len(ids) > 5_000:
        raise ValidationError({"ids": "At most 5,000 items at a time."})
    qs = FeedbackItem.objects.filter(workspace=actor.workspace, pk__in=ids)
    if action in ("mark_junk", "mark_not_junk"):
        # Junk is not counted in the dashboards: the items' hours are counted again.
        if action == "mark_junk":
            moving = qs.exclude(status=Status.JUNK)
            target = Status.JUNK
        else:
            moving = qs.filter(status=Status.JUNK)
            target = Status.ANALYZED
        changed = list(moving.values_list("pk", flat=True))
        count = qs.filter(pk__in=changed).update(status=target)
        if changed:
            from voxloop.insights.services import do_update_rollups

            do_update_rollups(actor.workspace.pk, changed)
    elif action == "reanalyze":
        count = qs.update(status=Status.RECEIVED, analysis_claimed_at=None, analysis_attempts=0)
        from voxloop.feedback.services.analyze import enqueue_analysis

        workspace_id = actor.workspace.pk
        transaction.on_commit(lambda: enqueue_analysis(workspace_id, ids))
    elif action in ("set_sentiment", "set_kind"):
        # Each change goes through do_relabel so it is a Correction the model learns from.
        field = "sentiment" if action == "set_sentiment" else "kind"
        changing = list(qs.exclude(**{field: checked}).values_list("pk", flat=True))
        for pk in changing:
            _relabel(actor, pk, **{field: checked})
        count = len(changing)
        if changing:
            _after_relabel(actor.workspace.pk, changing)
    else:  # add_topic
        added = []
        for item in qs.prefetch_related("topic_links"):
            current = [link.topic_id for link in item.topic_links.all()]
            if checked.pk not in current:
                _relabel(actor, item.pk, topic_ids=[*current, checked.pk])
                added.append(item.pk)
        count = len(added)
        if added:
            _after_relabel(actor.workspace.pk, added)
    do_audit(
        actor,
        f"feedback.bulk.{action}",
        actor.workspace,
        after={"ids": ids[:200], "count": count, "value": value},
    )
    return int(count)


def _clean_terms(values: Sequence[str] | None, field: str) -> list[str]:
    terms = []
    for v in values or []:
        if not isinstance(v, str):
            raise ValidationError({field: "Each entry must be text."})
        v = v.strip()
        if v and v not in terms:
            terms.append(v[:200])
    if len(terms) > MAX_TOPIC_TERMS:
        raise ValidationError({field: f"At most {MAX_TOPIC_TERMS} entries."})
    return terms


@transaction.atomic
def do_save_topic(
    actor: Actor,
    *,
    topic_id: int | None = None,
    name_en: str,
    name_zh: str,
    parent_id: int | None = None,
    keywords: Sequence[str] | None = None,
    examples: Sequence[str] | None = None,
) -> Topic:
    """Create or update a taxonomy node (three levels at most)."""
    actor.require("taxonomy.manage")
    name_en, name_zh = name_en.strip(), name_zh.strip()
    if not name_en and not name_zh:
        raise ValidationError({"name_en": "A topic needs a name in English or Chinese."})
    parent = None
    if parent_id:
        parent = Topic.objects.filter(workspace=actor.workspace, pk=parent_id).first()
        if parent is None:
            raise ValidationError({"parent": "Unknown parent topic."})
        if parent.level >= 3:
            raise ValidationError({"parent": "The taxonomy has at most three levels."})
    topic = (
        Topic.objects.get(workspace=actor.workspace, pk=topic_id)
        if topic_id
        else Topic(workspace=actor.workspace)
    )
    if topic_id and parent is not None:
        node: Topic | None = parent
        while node is not None:
            if node.pk == topic.pk:
                raise ValidationError({"parent": "A topic cannot sit under itself."})
            node = node.parent
        if topic.children.filter(children__isnull=False).exists() and parent.level >= 2:
            raise ValidationError({"parent": "Moving it there would make a fourth level."})
    before = (
        None
        if not topic_id
        else {
            "name_en": topic.name_en,
            "name_zh": topic.name_zh,
            "parent": topic.parent_id,
            "keywords": topic.keywords,
        }
    )
    old_examples = list(topic.examples or [])
    topic.name_en = name_en or name_zh
    topic.name_zh = name_zh or name_en
    topic.parent = parent
    topic.level = parent.level + 1 if parent else 1
    topic.keywords = _clean_terms(keywords, "keywords")
    topic.examples = _clean_terms(examples, "examples")
    topic.save()
    for child in topic.children.all():
        child.level = topic.level + 1
        child.save(update_fields=["level"])
        child.children.update(level=topic.level + 2)
    after = {
        "name_en": topic.name_en,
        "name_zh": topic.name_zh,
        "parent": topic.parent_id,
        "keywords": topic.keywords,
    }
    if topic.is_active and (before != after or old_examples != topic.examples):
        from voxloop.feedback.services.learning import request_reanalysis

        request_reanalysis(actor.workspace.pk, "topic.update" if topic_id else "topic.create")
    do_audit(
        actor, "topic.update" if topic_id else "topic.create", topic, before=before, after=after
    )
    return topic


@transaction.atomic
def do_delete_topic(actor: Actor, topic_id: int) -> None:
    actor.require("taxonomy.manage")
    topic = Topic.objects.get(workspace=actor.workspace, pk=topic_id)
    do_audit(
        actor, "topic.delete", topic, before={"name_en": topic.name_en, "name_zh": topic.name_zh}
    )
    topic.delete()
    from voxloop.feedback.services.learning import request_reanalysis

    request_reanalysis(actor.workspace.pk, "topic.delete")


@transaction.atomic
def do_save_channel(
    actor: Actor,
    *,
    channel_id: int | None = None,
    name: str,
    kind: str,
    is_active: bool = True,
    config: dict[str, Any] | None = None,
) -> Channel:
    actor.require("channels.manage")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A channel needs a name."})
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(ChannelKind.values)}."})
    if channel_id:
        channel = Channel.objects.get(workspace=actor.workspace, pk=channel_id)
        before = {"name": channel.name, "kind": channel.kind, "is_active": channel.is_active}
    else:
        slug = slugify(name)[:60] or "channel"
        if Channel.objects.filter(workspace=actor.workspace, slug=slug).exists():
            raise ValidationError({"name": f"A channel with the slug {slug!r} exists already."})
        channel = Channel(workspace=actor.workspace, slug=slug)
        before = None
    channel.name, channel.kind, channel.is_active = name, kind, is_active
    if config is not None:
        channel.config = config
    channel.save()
    forget_channels()
    transaction.on_commit(forget_channels)
    do_audit(
        actor,
        "channel.update" if channel_id else "channel.create",
        channel,
        before=before,
        after={"name": name, "kind": kind, "is_active": is_active},
    )
    return channel
