"""Taxonomy editor: move rules, deactivation, usage counts, JSON import and export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Workspace
from voxloop.accounts.services import do_audit
from voxloop.feedback.models import FeedbackTopic, Topic
from voxloop.feedback.services.labels import MAX_TOPIC_TERMS, do_save_topic
from voxloop.feedback.services.learning import request_reanalysis

MAX_LEVELS = 3
NAME_MAX = Topic._meta.get_field("name_en").max_length or 120
EXPORT_VERSION = 1
MAX_IMPORT_NODES = 2_000


def access_topic(actor: Actor, topic_id: int) -> Topic:
    """A topic of the actor's workspace, for someone allowed to edit the taxonomy."""
    actor.require("taxonomy.manage")
    return Topic.objects.select_related("parent").get(pk=topic_id, workspace=actor.workspace)


def descendant_ids(topic: Topic) -> list[int]:
    """Ids of the topic's children and grandchildren (the tree is at most three deep)."""
    children = list(Topic.objects.filter(parent=topic).values_list("pk", flat=True))
    grandchildren = list(Topic.objects.filter(parent_id__in=children).values_list("pk", flat=True))
    return children + grandchildren


def subtree_height(topic: Topic) -> int:
    """1 for a leaf, 2 with children, 3 with grandchildren."""
    if Topic.objects.filter(parent__parent=topic).exists():
        return 3
    return 2 if Topic.objects.filter(parent=topic).exists() else 1


def check_topic_parent(workspace: Workspace, topic: Topic | None, parent_id: int | None) -> None:
    """Raise a ValidationError on `parent` if the move breaks the tree (cycle or > 3 levels)."""
    if not parent_id:
        return
    parent = Topic.objects.filter(workspace=workspace, pk=parent_id).first()
    if parent is None:
        raise ValidationError({"parent": "Unknown parent topic."})
    if topic is None or topic.pk is None:
        if parent.level >= MAX_LEVELS:
            raise ValidationError({"parent": "The taxonomy has at most three levels."})
        return
    if parent.pk == topic.pk or parent.pk in descendant_ids(topic):
        raise ValidationError({"parent": "A topic cannot sit under itself or its own sub-topic."})
    if parent.level + subtree_height(topic) > MAX_LEVELS:
        raise ValidationError(
            {"parent": "Moving it there would make a fourth level (at most three levels)."}
        )


def topic_usage(topic: Topic) -> dict[str, int]:
    """How much a deletion or deactivation touches: sub-topics and distinct feedback items."""
    ids = [topic.pk, *descendant_ids(topic)]
    items = FeedbackTopic.objects.filter(topic_id__in=ids).values("item_id").distinct().count()
    direct = FeedbackTopic.objects.filter(topic_id=topic.pk).count()
    return {"subtopics": len(ids) - 1, "items": items, "direct_items": direct}


@transaction.atomic
def do_set_topic_active(actor: Actor, topic_id: int, active: bool) -> Topic:
    """Deactivate a topic with its sub-topics (analysis stops using them), or reactivate one."""
    topic = access_topic(actor, topic_id)
    if active and topic.parent is not None and not topic.parent.is_active:
        raise ValidationError({"is_active": "Reactivate the parent topic first."})
    ids = [topic.pk] if active else [topic.pk, *descendant_ids(topic)]
    changed = sorted(
        Topic.objects.filter(pk__in=ids).exclude(is_active=active).values_list("pk", flat=True)
    )
    if not changed:
        return topic
    Topic.objects.filter(pk__in=changed).update(is_active=active)
    topic.is_active = active
    do_audit(
        actor,
        "topic.activate" if active else "topic.deactivate",
        topic,
        before={"is_active": not active, "topics": changed},
        after={"is_active": active, "topics": changed},
    )
    request_reanalysis(actor.workspace.pk, "topic.activate" if active else "topic.deactivate")
    return topic


# --- reading the tree -------------------------------------------------------------------


@dataclass
class TopicNode:
    topic: Topic
    items: int = 0
    children: list[TopicNode] = field(default_factory=list)


def taxonomy_tree(workspace: Workspace) -> list[TopicNode]:
    """The workspace's taxonomy as nested nodes with item counts, in two queries."""
    topics = list(Topic.objects.filter(workspace=workspace).order_by("level", "name_en", "pk"))
    counts = dict(
        FeedbackTopic.objects.filter(topic__workspace=workspace)
        .values("topic_id")
        .annotate(n=Count("id"))
        .values_list("topic_id", "n")
    )
    nodes = {t.pk: TopicNode(topic=t, items=counts.get(t.pk, 0)) for t in topics}
    roots: list[TopicNode] = []
    for t in topics:
        node = nodes[t.pk]
        parent = nodes.get(t.parent_id) if t.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def export_taxonomy(workspace: Workspace) -> dict[str, Any]:
    def dump(node: TopicNode) -> dict[str, Any]:
        t = node.topic
        return {
            "name_en": t.name_en,
            "name_zh": t.name_zh,
            "keywords": list(t.keywords),
            "examples": list(t.examples),
            "is_active": t.is_active,
            "children": [dump(c) for c in node.children],
        }

    return {
        "voxloop_taxonomy": EXPORT_VERSION,
        "workspace": workspace.slug,
        "topics": [dump(n) for n in taxonomy_tree(workspace)],
    }


# --- import -----------------------------------------------------------------------------


@dataclass
class ImportNode:
    path: str
    name_en: str
    name_zh: str
    keywords: list[str]
    examples: list[str]
    is_active: bool
    children: list[ImportNode]


def _terms(value: Any, path: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{path}: must be a list of texts")
        return []
    if len(value) > MAX_TOPIC_TERMS:
        errors.append(f"{path}: at most {MAX_TOPIC_TERMS} entries")
    return [v.strip()[:200] for v in value if v.strip()]


_NODE_KEYS = {"name_en", "name_zh", "keywords", "examples", "is_active", "children"}


def _parse_nodes(
    value: Any, path: str, level: int, errors: list[str], seen: list[int]
) -> list[ImportNode]:
    if not isinstance(value, list):
        errors.append(f"{path}: must be a list")
        return []
    nodes: list[ImportNode] = []
    names: set[str] = set()
    for i, raw in enumerate(value):
        p = f"{path}[{i}]"
        seen[0] += 1
        if seen[0] > MAX_IMPORT_NODES:
            errors.append(f"{p}: at most {MAX_IMPORT_NODES} topics in one import")
            return nodes
        if not isinstance(raw, dict):
            errors.append(f"{p}: must be an object")
            continue
        unknown = sorted(set(raw) - _NODE_KEYS)
        if unknown:
            errors.append(f"{p}: unknown field(s) {', '.join(unknown)}")
        name_en, name_zh = raw.get("name_en", ""), raw.get("name_zh", "")
        if not isinstance(name_en, str) or not isinstance(name_zh, str):
            errors.append(f"{p}.name_en: names must be text")
            continue
        name_en, name_zh = name_en.strip(), name_zh.strip()
        if not name_en and not name_zh:
            errors.append(f"{p}.name_en: a topic needs a name in English or Chinese")
        for key, name in (("name_en", name_en), ("name_zh", name_zh)):
            if len(name) > NAME_MAX:
                errors.append(f"{p}.{key}: at most {NAME_MAX} characters")
        key = (name_en or name_zh).casefold()
        if key in names:
            errors.append(f"{p}.name_en: {name_en or name_zh!r} appears twice at this place")
        names.add(key)
        is_active = raw.get("is_active", True)
        if not isinstance(is_active, bool):
            errors.append(f"{p}.is_active: must be true or false")
            is_active = True
        children_raw = raw.get("children") or []
        if children_raw and level >= MAX_LEVELS:
            errors.append(f"{p}.children: the taxonomy has at most three levels")
            children_raw = []
        nodes.append(
            ImportNode(
                path=p,
                name_en=name_en,
                name_zh=name_zh,
                keywords=_terms(raw.get("keywords"), f"{p}.keywords", errors),
                examples=_terms(raw.get("examples"), f"{p}.examples", errors),
                is_active=is_active,
                children=_parse_nodes(children_raw, f"{p}.children", level + 1, errors, seen),
            )
        )
    return nodes


def check_taxonomy_import(data: Any) -> list[ImportNode]:
    """Validate an exported taxonomy; a ValidationError lists every problem with its path."""
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"voxloop_taxonomy", "workspace", "topics"})
        if unknown:
            raise ValidationError([f"unknown field(s) {', '.join(unknown)}"])
        version = data.get("voxloop_taxonomy", EXPORT_VERSION)
        if version != EXPORT_VERSION:
            raise ValidationError([f"voxloop_taxonomy: unsupported version {version!r}"])
        if "topics" not in data:
            raise ValidationError(["topics: missing"])
        data = data["topics"]
    errors: list[str] = []
    nodes = _parse_nodes(data, "topics", 1, errors, [0])
    if errors:
        raise ValidationError(errors[:50])
    if not nodes:
        raise ValidationError(["topics: the file holds no topics"])
    return nodes


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def do_import_taxonomy(actor: Actor, data: Any) -> ImportSummary:
    """Merge an exported taxonomy into the workspace's.

    Nodes are matched by name under the same parent (English name, else Chinese); matches
    are updated, others created; nothing is deleted, so feedback keeps its topics.
    """
    actor.require("taxonomy.manage")
    nodes = check_taxonomy_import(data)
    existing = list(Topic.objects.filter(workspace=actor.workspace))
    by_parent: dict[int | None, dict[str, Topic]] = {}
    for t in existing:
        index = by_parent.setdefault(t.parent_id, {})
        for name in (t.name_zh, t.name_en):
            if name:
                index[name.casefold()] = t
    summary = ImportSummary()

    def merge(node: ImportNode, parent: Topic | None) -> None:
        siblings = by_parent.get(parent.pk if parent else None, {})
        match = siblings.get(node.name_en.casefold()) if node.name_en else None
        if match is None and node.name_zh:
            match = siblings.get(node.name_zh.casefold())
        name_en, name_zh = node.name_en or node.name_zh, node.name_zh or node.name_en
        fields: dict[str, Any] = {
            "name_en": name_en,
            "name_zh": name_zh,
            "keywords": node.keywords,
            "examples": node.examples,
        }
        if match is not None and all(getattr(match, k) == v for k, v in fields.items()):
            topic = match
            summary.unchanged += 1
        else:
            topic = do_save_topic(
                actor,
                topic_id=match.pk if match else None,
                parent_id=parent.pk if parent else None,
                name_en=name_en,
                name_zh=name_zh,
                keywords=node.keywords,
                examples=node.examples,
            )
            if match is None:
                summary.created += 1
            else:
                summary.updated += 1
        # A sub-topic cannot stay active under an inactive parent.
        want_active = node.is_active and (parent is None or parent.is_active)
        if topic.is_active != want_active:
            topic = do_set_topic_active(actor, topic.pk, want_active)
        for child in node.children:
            merge(child, topic)

    for node in nodes:
        merge(node, None)
    do_audit(
        actor,
        "topic.import",
        actor.workspace,
        after={"created": summary.created, "updated": summary.updated},
    )
    return summary
