"""Discovery of new themes: cluster feedback embeddings, label clusters with keyphrases.

How (chosen by measurement on online_shopping_10_cats, see bench/topics.py): embeddings are
reduced by PCA and normalised; spherical k-means over-clusters them into many small groups;
the group centroids are merged by average-linkage agglomeration on cosine distance, cut at
the number of themes (2 .. max_themes) with the best silhouette on a sample; each item then
joins its nearest theme centroid. Groups below ``min_size`` are dissolved into their nearest
theme when close enough, else left out. This costs a few k-means iterations and a tiny
linkage instead of UMAP + HDBSCAN, and the silhouette cut finds the number of themes itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from voxloop.analysis import keyphrases

PCA_DIMS = 50
MAX_GROUPS = 200  # k-means groups before merging
SILHOUETTE_SAMPLE = 2_000
LABEL_SAMPLE = 150  # items per theme read for its keyphrases
JOIN_SIMILARITY = 0.35  # an item of a dissolved small group joins a theme at least this close
RECENT_FRACTION = 0.25  # growth compares the latest quarter of the time span with the rest


@dataclass(slots=True)
class Theme:
    """A cluster of similar feedback, labelled by its keyphrases."""

    label: str
    keyphrases: list[str]
    members: list[int]  # indices into the texts given to discover()
    representatives: list[int]  # the most central members, most central first
    size: int
    growth: float | None  # recent share / earlier share - 1 (None without timestamps)
    cohesion: float  # mean cosine similarity of members to the theme centroid
    centroid: list[float] = field(default_factory=list, repr=False)  # unit vector, for assign()


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def _reduce(x: np.ndarray) -> np.ndarray:
    """PCA to at most PCA_DIMS dimensions (the tail is noise for clustering), unit rows.

    Through the d x d covariance and ``eigh``: exact, deterministic and cheaper than an SVD of
    the n x d data for the n >> d we have.
    """
    dims = min(PCA_DIMS, x.shape[0] - 1, x.shape[1])
    if 2 <= dims < x.shape[1]:
        centred = x - x.mean(axis=0, keepdims=True)
        _, vecs = np.linalg.eigh(centred.T @ centred)
        x = centred @ vecs[:, ::-1][:, :dims]
    return _unit_rows(np.asarray(x, dtype=np.float32))


def _over_cluster(x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means into many small groups: (labels, unit centroids)."""
    from sklearn.cluster import KMeans

    k = int(min(MAX_GROUPS, max(2, round(2 * math.sqrt(x.shape[0]))), x.shape[0]))
    km = KMeans(n_clusters=k, n_init=1, max_iter=60, random_state=seed).fit(x)
    labels = np.asarray(km.labels_, dtype=np.int64)
    return labels, _unit_rows(np.asarray(km.cluster_centers_, dtype=np.float32))


def _merge(
    x: np.ndarray, groups: np.ndarray, centroids: np.ndarray, max_themes: int, seed: int
) -> np.ndarray:
    """Merge groups into themes; returns a theme id per group, cut by best silhouette.

    Silhouettes of every cut come from one sample-to-sample distance matrix summed per group
    once, so trying 29 cuts costs 29 small matrix products, not 29 silhouette computations.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    n_groups = len(centroids)
    if n_groups <= 2:
        return np.arange(n_groups)
    tree = linkage(centroids.astype(np.float64), method="average", metric="cosine")
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(x.shape[0], size=min(SILHOUETTE_SAMPLE, x.shape[0]), replace=False))
    xs = x[sample]
    dist = np.clip(1.0 - xs @ xs.T, 0.0, 2.0)
    sample_groups = groups[sample]
    onehot = np.zeros((len(sample), n_groups), dtype=np.float32)
    onehot[np.arange(len(sample)), sample_groups] = 1.0
    to_group = dist @ onehot  # summed distance from each sampled item to each group
    group_counts = onehot.sum(axis=0)
    best: tuple[float, np.ndarray] | None = None
    rows = np.arange(len(sample))
    for n_themes in range(2, min(max_themes, n_groups) + 1):
        per_group = fcluster(tree, n_themes, criterion="maxclust") - 1
        k = int(per_group.max()) + 1
        merge = np.zeros((n_groups, k), dtype=np.float32)
        merge[np.arange(n_groups), per_group] = 1.0
        sums, counts = to_group @ merge, group_counts @ merge
        own = per_group[sample_groups]
        own_count = counts[own]
        a = sums[rows, own] / np.maximum(own_count - 1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = sums / counts
        means[rows, own] = np.inf
        means[:, counts == 0] = np.inf
        b = means.min(axis=1)
        valid = (own_count > 1) & np.isfinite(b)
        if not valid.any():
            continue
        sil = np.where(valid, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
        score = float(sil.mean())
        if best is None or score > best[0] + 1e-9:
            best = (score, per_group)
    return best[1] if best is not None else np.zeros(n_groups, dtype=np.int64)


def _as_seconds(stamps: Sequence[datetime | float | int]) -> np.ndarray:
    return np.array(
        [s.timestamp() if isinstance(s, datetime) else float(s) for s in stamps], dtype=np.float64
    )


def _growth(members: np.ndarray, recent: np.ndarray) -> float:
    """Share of the theme among recent items over its share among earlier items, minus 1."""
    n_recent, n_earlier = int(recent.sum()), int((~recent).sum())
    in_recent = int(recent[members].sum())
    in_earlier = len(members) - in_recent
    recent_share = (in_recent + 0.5) / (n_recent + 1.0)
    earlier_share = (in_earlier + 0.5) / (n_earlier + 1.0)
    return round(recent_share / earlier_share - 1.0, 4)


def discover(
    texts: Sequence[str],
    *,
    embeddings: np.ndarray | None = None,
    timestamps: Sequence[datetime | float | int] | None = None,
    min_size: int = 5,
    max_themes: int = 30,
    seed: int = 0,
    userdict: Sequence[str] = (),
) -> list[Theme]:
    """Themes among ``texts``, largest first.

    ``embeddings`` are the texts' vectors from :func:`voxloop.analysis.embed.embed` (computed
    when not given); ``timestamps`` (datetimes or epoch seconds) give each theme a growth
    figure. Items in no theme (empty text, dissolved tiny groups far from every theme) are
    simply absent from all ``members`` lists.
    """
    n = len(texts)
    if timestamps is not None and len(timestamps) != n:
        raise ValueError(f"timestamps: {len(timestamps)} values for {n} texts")
    if embeddings is None:
        from voxloop.analysis.embed import embed

        embeddings = embed(list(texts))
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise ValueError(f"embeddings: expected shape ({n}, d), got {vectors.shape}")
    min_size = max(2, min_size)
    usable = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    if len(usable) < max(2 * min_size, 4) or max_themes < 1:
        return []
    full = _unit_rows(vectors[usable])
    x = _reduce(full)
    groups, centroids = _over_cluster(x, seed)
    theme_of_group = _merge(x, groups, centroids, max(2, max_themes), seed)
    labels = theme_of_group[groups]

    # One refinement pass: every item joins its nearest theme centroid (in full space).
    theme_ids = np.unique(labels)
    cents = _unit_rows(np.stack([full[labels == t].mean(axis=0) for t in theme_ids]))
    sims = full @ cents.T
    labels = theme_ids[np.argmax(sims, axis=1)]
    sizes = {int(t): int((labels == t).sum()) for t in theme_ids}
    kept = [t for t in sorted(sizes, key=lambda t: -sizes[t]) if sizes[t] >= min_size]
    kept = kept[:max_themes]
    if not kept:
        return []
    kept_arr = np.array(kept)
    kept_cents = _unit_rows(np.stack([full[labels == t].mean(axis=0) for t in kept]))
    sims = full @ kept_cents.T
    nearest = np.argmax(sims, axis=1)
    best_sim = sims[np.arange(len(full)), nearest]
    position = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    position[kept_arr] = np.arange(len(kept_arr))
    final = position[labels]
    in_kept = final >= 0
    # Items of dissolved groups join the nearest kept theme only if they are close to it.
    final = np.where(~in_kept & (best_sim >= JOIN_SIMILARITY), nearest, final)

    recent: np.ndarray | None = None
    if timestamps is not None:
        seconds = _as_seconds(timestamps)[usable]
        lo, hi = float(seconds.min()), float(seconds.max())
        if hi > lo:
            recent = seconds >= hi - (hi - lo) * RECENT_FRACTION

    rng = np.random.default_rng(seed)
    member_lists = [np.flatnonzero(final == j) for j in range(len(kept))]
    samples = [
        m if len(m) <= LABEL_SAMPLE else np.sort(rng.choice(m, LABEL_SAMPLE, replace=False))
        for m in member_lists
    ]
    sample_sets = [keyphrases.phrase_sets([texts[usable[i]] for i in s], userdict) for s in samples]
    background = [found for sets in sample_sets for found in sets]

    themes: list[Theme] = []
    for j, members in enumerate(member_lists):
        if len(members) == 0:
            continue
        centroid = _unit_rows(full[members].mean(axis=0, keepdims=True))[0]
        member_sims = full[members] @ centroid
        central = members[np.argsort(-member_sims, kind="stable")[:5]]
        weighted = keyphrases.weigh_group(sample_sets[j], background, top_k=8)
        phrases = [p for p, _ in weighted]
        themes.append(
            Theme(
                label=" / ".join(phrases[:3]) if phrases else texts[usable[central[0]]][:30],
                keyphrases=phrases,
                members=[int(usable[i]) for i in members],
                representatives=[int(usable[i]) for i in central],
                size=len(members),
                growth=_growth(members, recent) if recent is not None else None,
                cohesion=round(float(member_sims.mean()), 4),
                centroid=[float(v) for v in centroid],
            )
        )
    themes.sort(key=lambda t: -t.size)
    return themes


def assign(
    embeddings: np.ndarray,
    centroids: np.ndarray | Sequence[Sequence[float]],
    *,
    min_similarity: float = JOIN_SIMILARITY,
) -> list[int | None]:
    """The index of each embedding's nearest theme centroid, or None when none is close."""
    vectors = np.asarray(embeddings, dtype=np.float32)
    cents = np.asarray(centroids, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) == 0:
        return []
    if cents.ndim != 2 or len(cents) == 0:
        return [None] * len(vectors)
    sims = _unit_rows(vectors) @ _unit_rows(cents).T
    nearest = np.argmax(sims, axis=1)
    best = sims[np.arange(len(vectors)), nearest]
    return [
        int(j) if s >= min_similarity and np.linalg.norm(v) > 0 else None
        for j, s, v in zip(nearest, best, vectors, strict=True)
    ]
