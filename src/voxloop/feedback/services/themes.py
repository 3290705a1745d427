"""Theme discovery: group recent feedback the taxonomy does not cover, keep themes as suggestions.

A run reads the workspace's analysed feedback of the last 30 days that no topic covers,
embeds it, clusters it with :func:`voxloop.analysis.topics.discover` and matches each theme
to the suggestions found before by centroid similarity: a match of an open suggestion updates
it (size, growth, examples, members), a match of one people already accepted, merged or
dismissed is not offered again, anything else becomes a new open suggestion. Open suggestions
no run finds any more are marked expired (and reopened if their theme comes back).

With LLM mode on (``VOXLOOP_LLM_URL``) each new or changed theme also gets a Chinese and an
English name and a short summary from the LLM, asked before the write lock is taken; a theme
the LLM does not name in time keeps its keyphrase label, and discovery goes on regardless.

Runs are due every six hours per workspace (an indexed ``due_at`` column the worker's
scheduler polls) or when a person asks for one; the job itself never raises.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from threadpoolctl import threadpool_limits

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Workspace
from voxloop.accounts.services import do_audit
from voxloop.analysis import llm
from voxloop.feedback.models import (
    FeedbackItem,
    FeedbackTopic,
    Status,
    ThemeDiscovery,
    ThemeMember,
    ThemeSuggestion,
    Topic,
    TopicSource,
)

if TYPE_CHECKING:
    from voxloop.analysis.topics import Theme
    from voxloop.analysis.types import Analysis

log = logging.getLogger(__name__)

ACTION = "taxonomy.manage"
# An item is covered when a person gave it an active topic, or analysis did with at least
# this confidence (example matches start at 0.5, keyword and name matches are 0.8-0.9).
COVERED_CONFIDENCE = 0.6
MATCH_SIMILARITY = 0.8  # centroid cosine at which a theme is the same as a known suggestion
DAYS = 30
LIMIT = 20_000  # newest uncovered items read per run (embedding costs ~1 ms each)
MAX_THEMES = 20
MIN_THEME_SIZE = 5  # grows with the corpus: one theme needs at least 1/400 of the items
MAX_MEMBERS = 500  # newest items of a theme kept for the inbox filter
MAX_COMPARED = 5_000  # newest suggestions a run compares its themes with
REPRESENTATIVES = 5
WEEK = timedelta(days=7)
DISCOVER_EVERY = timedelta(hours=6)
STALE_AFTER = timedelta(hours=1)  # a requested run not finished by then may be requested again
LLM_CONCURRENCY = 2  # LLM requests at once: a local Ollama serves one or a few at a time
LLM_BUDGET = 3  # request timeouts (VOXLOOP_LLM_TIMEOUT) one run may spend naming its themes
DECIDED = (
    ThemeSuggestion.State.ACCEPTED,
    ThemeSuggestion.State.MERGED,
    ThemeSuggestion.State.DISMISSED,
)


@dataclass
class DiscoveryResult:
    items: int = 0  # uncovered items read
    themes: int = 0  # themes found among them
    created: int = 0
    updated: int = 0  # open (or expired, now reopened) suggestions refreshed
    skipped: int = 0  # themes people already decided on, or split parts of one theme
    expired: int = 0  # open suggestions no longer found
    named: int = 0  # themes the LLM named in this run
    seconds: float = 0.0


def uncovered_items(workspace_id: int, since: datetime, until: datetime) -> QuerySet[FeedbackItem]:
    """Analysed items (not junk, not duplicates) with redacted text and no confident topic."""
    covered = FeedbackTopic.objects.filter(item=OuterRef("pk"), topic__is_active=True).filter(
        Q(source=TopicSource.MANUAL) | Q(confidence__gte=COVERED_CONFIDENCE)
    )
    return (
        FeedbackItem.objects.filter(
            workspace_id=workspace_id,
            status=Status.ANALYZED,
            occurred_at__gte=since,
            occurred_at__lte=until,
        )
        .exclude(redacted_text="")
        .filter(~Exists(covered))
    )


def _userdict(workspace_id: int) -> list[str]:
    """The taxonomy's Chinese names and keywords, so jieba keeps them whole in labels.

    (A Chinese "re:" pattern adds a useless word to the dictionary, which does no harm.)
    """
    words: set[str] = set()
    for name, keywords in Topic.objects.filter(
        workspace_id=workspace_id, is_active=True
    ).values_list("name_zh", "keywords"):
        for term in [name, *(keywords or [])]:
            if isinstance(term, str) and term.strip() and not term.isascii():
                words.add(term.strip())
    return sorted(words)


def centroid_bytes(vector: list[float] | np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def centroid_array(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype=np.float32)


@dataclass
class _Row:
    id: int
    text: str
    occurred_at: datetime
    channel_id: int


def do_discover_themes(
    workspace_id: int,
    now: datetime | None = None,
    *,
    days: int = DAYS,
    limit: int = LIMIT,
) -> DiscoveryResult:
    """Find themes among the uncovered feedback of the last `days` and store them (idempotent)."""
    from voxloop.analysis import topics as topicsmod

    started = time.perf_counter()
    now = now or timezone.now()
    rows = [
        _Row(*values)
        for values in uncovered_items(workspace_id, now - timedelta(days=days), now)
        .order_by("-occurred_at", "-id")
        .values_list("id", "redacted_text", "occurred_at", "channel_id")[: max(0, limit)]
    ]
    result = DiscoveryResult(items=len(rows))
    themes: list[Theme] = []
    if len(rows) >= 2 * MIN_THEME_SIZE:
        from voxloop.analysis.embed import embed

        texts = [r.text for r in rows]
        vectors = embed(texts)
        # One BLAS thread: on a busy two-core worker OpenBLAS's spinning threads made the
        # PCA's eigh 10x slower; discover() over 5,000 items took 3.0-3.6 s on one thread
        # against 9.6-13 s on two (load average 7).
        with threadpool_limits(limits=1, user_api="blas"):
            themes = topicsmod.discover(
                texts,
                embeddings=vectors,
                timestamps=[r.occurred_at for r in rows],
                min_size=max(MIN_THEME_SIZE, len(rows) // 400),
                max_themes=MAX_THEMES,
                userdict=_userdict(workspace_id),
            )
    result.themes = len(themes)
    names = _llm_names(workspace_id, themes, rows)
    result.named = len(names)
    with transaction.atomic():
        _store(workspace_id, themes, rows, now, result, names)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def llm_config() -> llm.LlmConfig | None:
    """The LLM endpoint of VOXLOOP_LLM_*, or None when LLM mode is off."""
    url = getattr(settings, "LLM_URL", "")
    if not url:
        return None
    try:
        return llm.LlmConfig(
            base_url=url,
            model=settings.LLM_MODEL,
            api_key=settings.LLM_API_KEY,
            timeout=float(settings.LLM_TIMEOUT),
        )
    except ValueError:
        log.exception("LLM mode is configured wrongly; themes keep their keyphrase labels")
        return None


def _llm_names(
    workspace_id: int, themes: list[Theme], rows: list[_Row]
) -> dict[int, llm.ThemeLabel]:
    """LLM names of the themes that need one, by theme index; {} when LLM mode is off.

    Asked outside the transaction, so a slow endpoint never holds the workspace lock. Themes
    matching a decided suggestion are skipped anyway, and an open suggestion keeps its names
    while its keyphrase label stays the same, so a rerun asks only about what changed.
    """
    config = llm_config()
    if config is None or not themes:
        return {}
    known = list(
        ThemeSuggestion.objects.filter(workspace_id=workspace_id)
        .order_by("-id")
        .values_list("pk", "status", "centroid", "label", "label_source")[:MAX_COMPARED]
    )
    named = {
        pk: label
        for pk, _s, _c, label, source in known
        if source == ThemeSuggestion.LabelSource.LLM
    }
    matches = _match(
        [np.asarray(t.centroid, dtype=np.float32) for t in themes],
        [(pk, status, centroid_array(raw)) for pk, status, raw, _l, _s in known],
    )
    todo = []
    for i, (theme, (action, pk)) in enumerate(zip(themes, matches, strict=True)):
        renamed = action == "update" and pk is not None and named.get(pk) != theme.label[:200]
        if action == "create" or renamed:
            todo.append(i)
    if not todo:
        return {}
    asks = [
        llm.ThemeRequest(
            keyphrases=tuple(themes[i].keyphrases),
            examples=tuple(rows[m].text for m in themes[i].representatives[:REPRESENTATIVES]),
        )
        for i in todo
    ]
    started = time.perf_counter()
    try:
        answers = llm.label_themes(
            config, asks, concurrency=LLM_CONCURRENCY, budget=LLM_BUDGET * config.timeout
        )
    except Exception:  # label_themes never raises; this only guards discovery against a bug
        log.exception("LLM theme naming failed for workspace %s", workspace_id)
        return {}
    names = {i: a for i, a in zip(todo, answers, strict=True) if a is not None}
    if len(names) < len(todo):
        log.warning(
            "workspace %s: the LLM named %s of %s themes in %.1f s; the others keep their "
            "keyphrase labels",
            workspace_id,
            len(names),
            len(todo),
            time.perf_counter() - started,
        )
    return names


def _name_fields(name: llm.ThemeLabel | None) -> dict[str, Any]:
    if name is None:
        return {
            "name_zh": "",
            "name_en": "",
            "summary_zh": "",
            "summary_en": "",
            "label_source": ThemeSuggestion.LabelSource.KEYPHRASES,
        }
    return {
        "name_zh": name.label_zh[:120],
        "name_en": name.label_en[:120],
        "summary_zh": name.summary_zh,
        "summary_en": name.summary_en,
        "label_source": ThemeSuggestion.LabelSource.LLM,
    }


def _match(
    themes: list[np.ndarray], known: list[tuple[int, str, np.ndarray]]
) -> list[tuple[str, int | None]]:
    """For each theme: ("update", id), ("skip", id) or ("create", None).

    A theme whose closest known suggestion was decided on is skipped; each open or expired
    suggestion takes at most one theme, the closest; a theme whose closest suggestion went to
    a closer theme is a split part of it and is skipped too.
    """
    if not themes:
        return []
    if not known:
        return [("create", None)] * len(themes)
    sims = np.stack(themes) @ np.stack([k[2] for k in known]).T
    best = np.argmax(sims, axis=1)
    out: list[tuple[str, int | None]] = [("create", None)] * len(themes)
    wanted: dict[int, list[tuple[float, int]]] = {}
    for i, j in enumerate(best):
        if sims[i, j] < MATCH_SIMILARITY:
            continue
        pk, status, _ = known[j]
        if status in DECIDED:
            out[i] = ("skip", pk)
        else:
            wanted.setdefault(int(j), []).append((float(sims[i, j]), i))
    for j, claims in wanted.items():
        claims.sort(reverse=True)
        out[claims[0][1]] = ("update", known[j][0])
        for _sim, i in claims[1:]:
            out[i] = ("skip", known[j][0])
    return out


def _fields(theme: Theme, rows: list[_Row], now: datetime) -> dict[str, Any]:
    members = sorted(theme.members)  # rows are newest first
    stamps = [rows[i].occurred_at for i in members]
    channels = Counter(rows[i].channel_id for i in members)
    return {
        "label": theme.label[:200],
        "keyphrases": list(theme.keyphrases),
        "size": len(members),
        "growth": theme.growth,
        "recent_count": sum(1 for s in stamps if s >= now - WEEK),
        "previous_count": sum(1 for s in stamps if now - 2 * WEEK <= s < now - WEEK),
        "channels": [c for c, _n in channels.most_common()],
        "cohesion": theme.cohesion,
        "representatives": [rows[i].id for i in theme.representatives[:REPRESENTATIVES]],
        "centroid": centroid_bytes(theme.centroid),
        "first_seen": min(stamps),
        "last_seen": max(stamps),
        "updated_at": now,
        "_members": [rows[i].id for i in members[:MAX_MEMBERS]],
    }


def _store(
    workspace_id: int,
    themes: list[Theme],
    rows: list[_Row],
    now: datetime,
    result: DiscoveryResult,
    names: dict[int, llm.ThemeLabel],
) -> None:
    Workspace.objects.select_for_update().get(pk=workspace_id)  # one run writes at a time
    known = [
        (pk, status, centroid_array(raw))
        for pk, status, raw in ThemeSuggestion.objects.filter(workspace_id=workspace_id)
        .order_by("-id")
        .values_list("pk", "status", "centroid")[:MAX_COMPARED]
    ]
    vectors = [np.asarray(t.centroid, dtype=np.float32) for t in themes]
    seen: set[int] = set()
    for index, (theme, (action, pk)) in enumerate(zip(themes, _match(vectors, known), strict=True)):
        if action == "skip":
            result.skipped += 1
            continue
        fields = _fields(theme, rows, now)
        member_ids = fields.pop("_members")
        if action == "update" and pk is not None:
            suggestion = ThemeSuggestion.objects.select_for_update().get(pk=pk)
            if suggestion.status in DECIDED:  # decided on since `known` was read
                result.skipped += 1
                continue
            fields["first_seen"] = min(suggestion.first_seen, fields["first_seen"])
            fields["status"] = ThemeSuggestion.State.OPEN
            keeps_name = (
                suggestion.label_source == ThemeSuggestion.LabelSource.LLM
                and suggestion.label == fields["label"]
            )
            if index in names or not keeps_name:
                fields.update(_name_fields(names.get(index)))
            for name, value in fields.items():
                setattr(suggestion, name, value)
            suggestion.save(update_fields=list(fields))
            ThemeMember.objects.filter(suggestion=suggestion).delete()
            result.updated += 1
        else:
            fields.update(_name_fields(names.get(index)))
            suggestion = ThemeSuggestion.objects.create(
                workspace_id=workspace_id, created_at=now, **fields
            )
            result.created += 1
        seen.add(suggestion.pk)
        ThemeMember.objects.bulk_create(
            [ThemeMember(suggestion=suggestion, item_id=i) for i in member_ids]
        )
    result.expired = (
        ThemeSuggestion.objects.filter(workspace_id=workspace_id, status=ThemeSuggestion.State.OPEN)
        .exclude(pk__in=seen)
        .update(status=ThemeSuggestion.State.EXPIRED, updated_at=now)
    )


# --- scheduling ------------------------------------------------------------------------------


def _enqueue(workspace_id: int) -> None:
    def enqueue() -> None:
        from voxloop.feedback.tasks import discover_themes

        try:
            discover_themes.enqueue(workspace_id)
        except Exception:
            log.exception("could not queue theme discovery for workspace %s", workspace_id)

    transaction.on_commit(enqueue)


def do_queue_due_discoveries(now: datetime | None = None) -> list[int]:
    """Queue a discovery for every workspace whose run is due; returns their ids.

    Each due row is claimed by moving its due date with a conditional UPDATE, so two
    schedulers never queue the same workspace twice.
    """
    now = now or timezone.now()
    missing = Workspace.objects.filter(theme_discovery__isnull=True).values_list("pk", flat=True)
    ThemeDiscovery.objects.bulk_create(
        [ThemeDiscovery(workspace_id=pk, due_at=now) for pk in missing], ignore_conflicts=True
    )
    queued = []
    for row in ThemeDiscovery.objects.filter(due_at__lte=now).order_by("due_at")[:100]:
        claimed = ThemeDiscovery.objects.filter(pk=row.pk, due_at=row.due_at).update(
            due_at=now + DISCOVER_EVERY, state=ThemeDiscovery.State.QUEUED, queued_at=now
        )
        if claimed:
            queued.append(row.workspace_id)
            _enqueue(row.workspace_id)
    return queued


def do_request_discovery(actor: Actor) -> bool:
    """Queue a discovery now (manager and up); False when one is already waiting or running."""
    actor.require(ACTION)
    now = timezone.now()
    workspace_id = actor.workspace.pk
    with transaction.atomic():
        row, _ = ThemeDiscovery.objects.select_for_update().get_or_create(
            workspace_id=workspace_id, defaults={"due_at": now + DISCOVER_EVERY}
        )
        busy = row.state != ThemeDiscovery.State.IDLE
        if busy and row.queued_at is not None and row.queued_at > now - STALE_AFTER:
            return False
        row.state, row.queued_at, row.due_at = (
            ThemeDiscovery.State.QUEUED,
            now,
            now + DISCOVER_EVERY,
        )
        row.save(update_fields=["state", "queued_at", "due_at"])
        do_audit(actor, "theme.discover", actor.workspace, after={"queued_at": now.isoformat()})
        _enqueue(workspace_id)
    return True


def run_discovery(workspace_id: int) -> DiscoveryResult | None:
    """Task body: a discovery run with its state and outcome on the ThemeDiscovery row.

    It never raises: a failure is logged and kept as the row's error for the taxonomy page.
    """
    now = timezone.now()
    try:
        row, _ = ThemeDiscovery.objects.get_or_create(
            workspace_id=workspace_id, defaults={"due_at": now + DISCOVER_EVERY}
        )
        ThemeDiscovery.objects.filter(pk=row.pk).update(
            state=ThemeDiscovery.State.RUNNING, started_at=now
        )
        result = do_discover_themes(workspace_id, now)
    except Exception as exc:
        log.exception("theme discovery failed for workspace %s", workspace_id)
        ThemeDiscovery.objects.filter(workspace_id=workspace_id).update(
            state=ThemeDiscovery.State.IDLE,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return None
    ThemeDiscovery.objects.filter(pk=row.pk).update(
        state=ThemeDiscovery.State.IDLE,
        finished_at=timezone.now(),
        items=result.items,
        themes=result.themes,
        seconds=result.seconds,
        error="",
    )
    log.info("workspace %s: theme discovery %s", workspace_id, result)
    return result


# -- between runs: new feedback joins the open suggestions it belongs to ----------------------

JOIN_MIN_SIMILARITY = 0.5  # never join below this cosine, whatever the theme's cohesion
JOIN_MARGIN = 0.05  # an item joins when it is as close as the theme's members are on average
MAX_JOINED_THEMES = 200  # open suggestions compared, most recent items first


def do_join_open_themes(
    workspace_id: int,
    pairs: list[tuple[FeedbackItem, Analysis]],
    now: datetime | None = None,
) -> int:
    """Count freshly analysed, uncovered feedback into the open suggestions it is close to.

    Discovery runs every six hours; in between, each analysed batch adds its uncovered items
    (no topic with confidence ≥ COVERED_CONFIDENCE, not junk, not a duplicate) to the open
    suggestion whose centroid is nearest, if the item is about as close to it as the theme's
    own members are. Size, the last 7 days' count, last_seen, channels and members move at
    once, so the "emerging theme" rule sees a theme grow within minutes. The next run
    recounts everything from scratch. Returns how many items joined a theme.
    """
    now = now or timezone.now()
    rows = []
    for item, result in pairs:
        vector = result.embedding
        if (
            vector is None
            or result.junk.is_junk
            or result.duplicate_of is not None
            or any(t.confidence >= COVERED_CONFIDENCE for t in result.topics)
            or not np.any(vector)
        ):
            continue
        rows.append((item, np.asarray(vector, dtype=np.float32)))
    if not rows:
        return 0
    known = list(
        ThemeSuggestion.objects.filter(workspace_id=workspace_id, status=ThemeSuggestion.State.OPEN)
        .order_by("-recent_count", "-id")
        .values_list("pk", "centroid", "cohesion")[:MAX_JOINED_THEMES]
    )
    if not known:
        return 0
    centroids = np.stack([centroid_array(raw) for _pk, raw, _c in known])
    if centroids.shape[1] != rows[0][1].shape[0]:
        return 0  # stored with another encoder: the next run replaces them
    sims = np.stack([v for _i, v in rows]) @ centroids.T
    best = np.argmax(sims, axis=1)
    joining: dict[int, list[FeedbackItem]] = {}
    for n, ((item, _vector), j) in enumerate(zip(rows, best, strict=True)):
        pk, _raw, cohesion = known[int(j)]
        if sims[n, j] >= max(JOIN_MIN_SIMILARITY, float(cohesion) - JOIN_MARGIN):
            joining.setdefault(pk, []).append(item)
    joined = 0
    with transaction.atomic():
        for pk, items in joining.items():
            joined += _join(workspace_id, pk, items, now)
    return joined


def _join(workspace_id: int, suggestion_id: int, items: list[FeedbackItem], now: datetime) -> int:
    suggestion = (
        ThemeSuggestion.objects.select_for_update()
        .filter(workspace_id=workspace_id, pk=suggestion_id, status=ThemeSuggestion.State.OPEN)
        .defer("centroid")
        .first()
    )
    if suggestion is None:  # decided on meanwhile
        return 0
    already = set(
        ThemeMember.objects.filter(
            suggestion_id=suggestion_id, item_id__in=[i.pk for i in items]
        ).values_list("item_id", flat=True)
    )
    new = [i for i in items if i.pk not in already]  # an item analysed again counts once
    if not new:
        return 0
    ThemeMember.objects.bulk_create(
        [ThemeMember(suggestion_id=suggestion_id, item_id=i.pk) for i in new],
        ignore_conflicts=True,
    )
    stamps = [i.occurred_at for i in new]
    channels = list(suggestion.channels)
    for item in new:
        if item.channel_id not in channels:
            channels.append(item.channel_id)
    suggestion.size += len(new)
    suggestion.recent_count += sum(1 for s in stamps if s >= now - WEEK)
    suggestion.previous_count += sum(1 for s in stamps if now - 2 * WEEK <= s < now - WEEK)
    suggestion.first_seen = min(suggestion.first_seen, *stamps)
    suggestion.last_seen = max(suggestion.last_seen, *stamps)
    suggestion.channels = channels
    suggestion.updated_at = now
    suggestion.save(
        update_fields=[
            "size",
            "recent_count",
            "previous_count",
            "first_seen",
            "last_seen",
            "channels",
            "updated_at",
        ]
    )
    return len(new)
