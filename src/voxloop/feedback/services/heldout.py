"""Held-out accuracy of a workspace's models on its own corrections (recorded by each refit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voxloop.analysis.types import Taxonomy

MIN_HELDOUT = 10  # corrected items per field before held-out accuracy is measured
CV_FOLDS = 5
CV_MAX = 500  # topic corrections up to this are cross-validated; above, one 20 % split
PER_TOPIC_KEEP = 50  # per-topic figures stored for the most corrected topics


def sentiment_heldout(
    texts: list[str], labels: list[str], vectors: np.ndarray, languages: list[str]
) -> tuple[float | None, int]:
    """(accuracy, items tested) of a model fitted without a 20 % held-out share."""
    from voxloop.analysis import sentiment

    n = len(texts)
    if n < MIN_HELDOUT:
        return None, 0
    order = np.random.default_rng(0).permutation(n)
    cut = max(1, round(n * 0.2))
    test, train = order[:cut], order[cut:]
    model = sentiment.fit(
        [texts[i] for i in train],
        [labels[i] for i in train],
        embeddings=vectors[train],
        languages=[languages[i] for i in train],
    )
    out = sentiment.score(
        [texts[i] for i in test],
        language=[languages[i] for i in test],
        model=model,
        embeddings=vectors[test],
    )
    hits = [o.label == labels[i] for o, i in zip(out, test, strict=True)]
    return round(float(np.mean(hits)), 4), len(hits)


@dataclass
class TopicScore:
    """Held-out figures of the topic model, as analysis would answer with it."""

    accuracy: float  # share of held-out corrected items given exactly the corrected topics
    baseline: float  # the same without a learned model (names, keywords, examples only)
    tested: int
    per_topic: dict[str, dict[str, int]]  # node key -> corrections, tested, found


def _with_ancestors(keys: Sequence[str], parents: dict[str, str | None]) -> set[str]:
    out: set[str] = set()
    for key in keys:
        node: str | None = key
        while node is not None and node in parents and node not in out:
            out.add(node)
            node = parents[node]
    return out


def topic_heldout(
    texts: list[str], label_lists: list[list[str]], taxonomy: Taxonomy, vectors: np.ndarray
) -> TopicScore | None:
    """Score the whole classifier (keywords, examples and model) on corrections it did not see.

    Up to CV_MAX corrected items are cross-validated in CV_FOLDS folds, so every correction is
    tested once and per-topic figures mean something; above, one 20 % share is held out.
    """
    from voxloop.analysis import classify

    n = len(texts)
    if n < MIN_HELDOUT:
        return None
    parents = {node.key: node.parent for node in taxonomy.nodes}
    order = np.random.default_rng(0).permutation(n)
    folds = np.array_split(order, CV_FOLDS) if n <= CV_MAX else [order[: round(n * 0.2)]]
    correct = baseline = 0
    tested = 0
    per_topic: dict[str, dict[str, int]] = {}
    for labels in label_lists:
        for key in labels:
            per_topic.setdefault(key, {"corrections": 0, "tested": 0, "found": 0})
            per_topic[key]["corrections"] += 1
    for test in folds:
        train = np.setdiff1d(order, test)
        model = classify.fit_topics(
            [texts[i] for i in train],
            [label_lists[i] for i in train],
            taxonomy,
            embeddings=vectors[train],
            holdout=0,
        )
        test_texts = [texts[i] for i in test]
        learned = classify.classify(test_texts, taxonomy, model=model, embeddings=vectors[test])
        plain = classify.classify(test_texts, taxonomy, embeddings=vectors[test])
        for i, got, day_one in zip(test, learned, plain, strict=True):
            truth = _with_ancestors(label_lists[i], parents)
            found = {hit.node for hit in got}
            correct += found == truth
            baseline += {hit.node for hit in day_one} == truth
            tested += 1
            for key in label_lists[i]:
                per_topic[key]["tested"] += 1
                per_topic[key]["found"] += key in found
    kept = sorted(per_topic.items(), key=lambda kv: (-kv[1]["corrections"], kv[0]))
    return TopicScore(
        accuracy=round(correct / tested, 4),
        baseline=round(baseline / tested, 4),
        tested=tested,
        per_topic=dict(kept[:PER_TOPIC_KEEP]),
    )
