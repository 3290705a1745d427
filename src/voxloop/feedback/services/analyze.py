"""Running the analysis pipeline over stored feedback and writing its results back."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from voxloop.accounts.models import Workspace
from voxloop.analysis import pipeline
from voxloop.analysis.types import Analysis, Language, Span, Taxonomy, TaxonomyNode
from voxloop.feedback.models import FeedbackItem, FeedbackTopic, Status, Topic
from voxloop.feedback.schemas import LANGUAGE_GIVEN, LANGUAGES
from voxloop.feedback.services import dedupe_cache
from voxloop.feedback.services.fastinsert import update_items

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=5)


def _claim_ids(workspace_id: int, ids: Sequence[int]) -> list[int]:
    """Mark waiting items as taken; a conditional UPDATE, so two workers never share one."""
    now = timezone.now()
    FeedbackItem.objects.filter(
        workspace_id=workspace_id,
        pk__in=list(ids),
        status=Status.RECEIVED,
        analysis_claimed_at__isnull=True,
        analysis_attempts__lt=MAX_ATTEMPTS,
    ).update(analysis_claimed_at=now, analysis_attempts=F("analysis_attempts") + 1)
    return list(
        FeedbackItem.objects.filter(
            workspace_id=workspace_id, pk__in=list(ids), analysis_claimed_at=now
        ).values_list("id", flat=True)
    )


def _enqueue(workspace_id: int, ids: list[int]) -> None:
    from voxloop.feedback.tasks import analyze_feedback

    size = settings.ANALYSIS_BATCH_SIZE
    for start in range(0, len(ids), size):
        try:
            analyze_feedback.enqueue(workspace_id, ids[start : start + size])
        except Exception:  # the claim expires and the poller takes the items again
            log.exception("could not enqueue analysis; the items will be retried")


def enqueue_analysis(workspace_id: int, item_ids: Sequence[int]) -> None:
    """Claim the given items and queue analysis jobs for them now (called after commit)."""
    _enqueue(workspace_id, _claim_ids(workspace_id, item_ids))


def enqueue_claimed(workspace_id: int, item_ids: Sequence[int]) -> None:
    """Queue analysis jobs for items stored already claimed (ingest, after commit)."""
    _enqueue(workspace_id, list(item_ids))


def do_claim_pending(limit: int = 2_000) -> int:
    """The worker's poll: claim items waiting for analysis, oldest first, and queue jobs."""
    rows = list(
        FeedbackItem.objects.filter(
            status=Status.RECEIVED,
            analysis_claimed_at__isnull=True,
            analysis_attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("id")
        .values_list("workspace_id", "id")[:limit]
    )
    by_ws: dict[int, list[int]] = {}
    for ws, pk in rows:
        by_ws.setdefault(ws, []).append(pk)
    claimed = 0
    for ws, ids in by_ws.items():
        mine = _claim_ids(ws, ids)
        claimed += len(mine)
        _enqueue(ws, mine)
    return claimed


def build_taxonomy(workspace_id: int) -> Taxonomy:
    nodes = []
    for t in Topic.objects.filter(workspace_id=workspace_id, is_active=True).order_by("id"):
        nodes.append(
            TaxonomyNode(
                key=str(t.pk),
                name_zh=t.name_zh,
                name_en=t.name_en,
                parent=str(t.parent_id) if t.parent_id else None,
                keywords=tuple(t.keywords or ()),
                examples=tuple(t.examples or ()),
            )
        )
    # The same taxonomy gives the same version in every process (unlike hash(), which is salted).
    digest = hashlib.sha256(repr(tuple(nodes)).encode()).hexdigest()[:8]
    version = f"{len(nodes)}:{digest}"
    return Taxonomy(nodes=tuple(nodes), version=version)


def _spans(spans: Sequence[Span]) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "kind": s.kind, "text": s.text} for s in spans]


def do_analyze_items(
    workspace_id: int, item_ids: Sequence[int], *, after_analysis: bool = True
) -> int:
    """Analyse the given items of one workspace; returns how many were written.

    Items not yet claimed are claimed here; items already analysed are skipped. Each batch
    then updates the insights rollups and may run detection; `after_analysis=False` leaves
    that to a caller that rebuilds rollups and detects once at the end (the demo).
    """
    _claim_ids(workspace_id, item_ids)
    items = list(
        FeedbackItem.objects.filter(
            workspace_id=workspace_id,
            pk__in=list(item_ids),
            status=Status.RECEIVED,
            analysis_claimed_at__isnull=False,
        ).order_by("id")
    )
    if not items:
        return 0
    from voxloop.feedback.services.learning import load_workspace_model

    taxonomy = build_taxonomy(workspace_id)
    model = load_workspace_model(workspace_id)
    try:
        results = pipeline.analyze(
            [i.text for i in items],
            taxonomy=taxonomy,
            model=model,
            languages=[_given_language(i) for i in items],
            quality=settings.ANALYSIS_QUALITY,
        )
        for result in results:  # duplicates are linked against the whole workspace below
            result.duplicate_of = result.similarity = None
    except Exception as exc:
        log.exception("analysis failed for %d items", len(items))
        FeedbackItem.objects.filter(pk__in=[i.pk for i in items]).update(
            analysis_claimed_at=None, analysis_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    _write_results(workspace_id, items, results, model.version if model else "default")
    try:  # uncovered feedback joins the open theme suggestions it belongs to
        from voxloop.feedback.services.themes import do_join_open_themes

        do_join_open_themes(workspace_id, list(zip(items, results, strict=True)))
    except Exception:
        log.exception("could not count new feedback into open themes; the next run will")
    if after_analysis:
        from voxloop.insights.services import do_after_analysis

        do_after_analysis(workspace_id, [i.pk for i in items])  # rollups + detection; never raises
    return len(items)


def _given_language(item: FeedbackItem) -> Language | None:
    """The language the sender named (kept instead of detected), if any."""
    given = isinstance(item.analysis, dict) and item.analysis.get(LANGUAGE_GIVEN)
    return cast("Language", item.language) if given and item.language in LANGUAGES else None


def _link_duplicates(workspace_id: int, items: list[FeedbackItem], results: list[Analysis]) -> None:
    """Check the batch against the workspace's history (inside the write transaction)."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace_id)
    index = dedupe_cache.workspace_index(workspace_id, workspace.created_at)
    candidates = [(i, r) for i, r in zip(items, results, strict=True) if not r.junk.is_junk]
    if candidates:
        pipeline.link_duplicates([r for _, r in candidates], [i.pk for i, _ in candidates], index)
        for item, result in candidates:
            if result.duplicate_of == item.pk:  # re-analysis: the index already holds it
                result.duplicate_of = result.similarity = None
        dedupe_cache.remember(workspace_id, [i.pk for i, _ in candidates], timezone.now())


def _write_results(
    workspace_id: int,
    items: list[FeedbackItem],
    results: list[Analysis],
    model_version: str = "default",
) -> None:
    with transaction.atomic():
        _link_duplicates(workspace_id, items, results)
        _save_results(workspace_id, items, results, model_version)


def _understanding_fields(
    item: FeedbackItem, result: Analysis, manual: set[str], model_version: str
) -> None:
    """Copy what analysis understood onto the item; fields a person set are kept."""
    if "sentiment" not in manual:
        item.sentiment = result.sentiment.label
        item.sentiment_score = result.sentiment.score
    if "kind" not in manual:
        item.kind = result.kind
    item.urgency = list(result.urgency)
    item.keyphrases = list(result.keyphrases)
    analysis = dict(item.analysis or {})
    analysis.update(
        {
            "sentiment_evidence": _spans(result.sentiment.evidence),
            "sentiment_mixed": result.sentiment.mixed,
            "kind_confidence": result.kind_confidence,
            "urgency_evidence": _spans(_urgency_evidence(result)),
            "model": model_version,
            "errors": result.errors,
        }
    )
    item.analysis = analysis


def _urgency_evidence(result: Analysis) -> list[Span]:
    from voxloop.analysis import kinds

    return kinds.urgency(result.redacted)[1] if result.urgency else []


def _topic_links(item: FeedbackItem, result: Analysis, topic_ids: set[int]) -> list[FeedbackTopic]:
    links = []
    for hit in result.topics:
        if hit.node.isdigit() and int(hit.node) in topic_ids:
            links.append(
                FeedbackTopic(
                    item=item,
                    topic_id=int(hit.node),
                    confidence=hit.confidence,
                    sentiment=hit.sentiment.label,
                    source=hit.source,
                    evidence=_spans(hit.evidence),
                )
            )
    return links


UNDERSTANDING_FIELDS = ["sentiment", "sentiment_score", "kind", "urgency", "keyphrases", "analysis"]
RESULT_FIELDS = [
    "duplicate_of",
    "language",
    "redacted_text",
    *UNDERSTANDING_FIELDS,
    "analysis_error",
    "analyzed_at",
    "status",
    "analysis_claimed_at",
]


def save_understanding(
    workspace_id: int,
    items: list[FeedbackItem],
    results: list[Analysis],
    manual: dict[int, set[str]],
    model_version: str = "default",
) -> None:
    """Write sentiment, type, urgency, keyphrases and topics (re-analysis of stored items).

    Items whose topics a person corrected keep exactly their topics.
    """
    topic_ids = set(Topic.objects.filter(workspace_id=workspace_id).values_list("id", flat=True))
    links = []
    for item, result in zip(items, results, strict=True):
        mine = manual.get(item.pk, set())
        _understanding_fields(item, result, mine, model_version)
        if "topics" not in mine:
            links.extend(_topic_links(item, result, topic_ids))
    update_items(items, UNDERSTANDING_FIELDS)
    automatic = [i for i in items if "topics" not in manual.get(i.pk, set())]
    FeedbackTopic.objects.filter(item__in=automatic).exclude(source="manual").delete()
    FeedbackTopic.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)


def _save_results(
    workspace_id: int,
    items: list[FeedbackItem],
    results: list[Analysis],
    model_version: str = "default",
) -> None:
    from voxloop.feedback.services.learning import _manual_fields

    manual = _manual_fields([i.pk for i in items])
    originals: dict[int, int] = {}
    topic_ids = set(Topic.objects.filter(workspace_id=workspace_id).values_list("id", flat=True))
    links = []
    now = timezone.now()
    for item, result in zip(items, results, strict=True):
        mine = manual.get(item.pk, set())
        given = _given_language(item) is not None
        item.language = result.language
        item.redacted_text = result.redacted
        item.analysis = {
            "junk": {"score": result.junk.score, "reasons": result.junk.reasons},
            "pii": _spans(result.pii),
            "similarity": result.similarity,
        }
        if given:
            item.analysis[LANGUAGE_GIVEN] = True
        _understanding_fields(item, result, mine, model_version)
        item.analysis_error = ""
        item.analyzed_at = now
        item.analysis_claimed_at = None
        if result.junk.is_junk:
            item.status = Status.JUNK
        elif result.duplicate_of is not None:
            item.status = Status.DUPLICATE
            item.duplicate_of_id = result.duplicate_of
            originals[result.duplicate_of] = originals.get(result.duplicate_of, 0) + 1
        else:
            item.status = Status.ANALYZED
        if "topics" not in mine:
            links.extend(_topic_links(item, result, topic_ids))
    update_items(items, RESULT_FIELDS)
    automatic = [i for i in items if "topics" not in manual.get(i.pk, set())]
    FeedbackTopic.objects.filter(item__in=automatic).exclude(source="manual").delete()
    FeedbackTopic.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)
    for original, count in originals.items():
        FeedbackItem.objects.filter(pk=original, workspace_id=workspace_id).update(
            duplicate_count=F("duplicate_count") + count
        )


def do_release_stale_claims() -> int:
    """Items claimed long ago but never written (a worker died): make them claimable again."""
    stale = timezone.now() - STALE_AFTER
    return FeedbackItem.objects.filter(
        status=Status.RECEIVED,
        analysis_claimed_at__lt=stale,
        analysis_attempts__lt=MAX_ATTEMPTS,
    ).update(analysis_claimed_at=None)
