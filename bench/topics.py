"""Benchmark for voxloop.analysis.topics: theme discovery vs BERTopic on the same embeddings.

Samples reviews from online_shopping_10_cats (../shared/data, read at run time, never copied),
embeds them once with voxloop.analysis.embed, then clusters the same vectors with
``topics.discover`` and with BERTopic (UMAP + HDBSCAN + c-TF-IDF, a jieba tokenizer for its
labels, otherwise its defaults). The true categories are used only for scoring: NMI of the
theme assignment against them (items left in no theme / BERTopic's outlier topic -1 count as
one more cluster). Both methods are warmed up first (numba compiles UMAP on first use), so
the times are steady-state times of a long-running worker.

    method | n | themes | unassigned | NMI | seconds | time vs BERTopic

Run: .venv/bin/python bench/topics.py [--n 10000] [--seed 11] [--data ../shared/data]
BERTopic is an optional extra: pip install -e '.[bench]' (see pyproject.toml).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from voxloop.analysis import text as textmod
from voxloop.analysis import topics
from voxloop.analysis.embed import embed

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(data: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    path = data / "online_shopping_10_cats" / "online_shopping_10_cats.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if (r["review"] or "").strip()]
    sample = random.Random(seed).sample(rows, min(n, len(rows)))
    return [r["review"].strip() for r in sample], [r["cat"] for r in sample]


def run_ours(texts: list[str], vectors: np.ndarray, seed: int) -> tuple[np.ndarray, list[str]]:
    themes = topics.discover(texts, embeddings=vectors, seed=seed)
    labels = np.full(len(texts), -1)
    for j, theme in enumerate(themes):
        labels[theme.members] = j
    return labels, [f"{t.size:>5}  {t.label}" for t in themes]


def _jieba_tokens(doc: str) -> list[str]:
    return textmod.segment(doc)


def run_bertopic(texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, list[str]]:
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(tokenizer=_jieba_tokens, token_pattern=None, lowercase=False)
    model: Any = BERTopic(vectorizer_model=vectorizer, language="multilingual")
    found, _ = model.fit_transform(texts, embeddings=vectors)
    info = model.get_topic_info()
    names = [f"{int(row.Count):>5}  {row.Name}" for row in info.itertuples()][:12]
    return np.asarray(found), names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="reviews sampled (default 10,000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-bertopic", action="store_true")
    args = parser.parse_args()

    print(f"seed {args.seed}; sampling {args.n} reviews from online_shopping_10_cats")
    texts, cats = load(args.data, args.n, args.seed)
    print("categories:", dict(Counter(cats).most_common()))
    start = time.perf_counter()
    vectors = embed(texts)
    embed_s = time.perf_counter() - start
    print(f"embeddings (shared by both): {len(texts)} texts in {embed_s:.1f} s")

    warm = min(1_000, len(texts))
    run_ours(texts[:warm], vectors[:warm], args.seed)
    start = time.perf_counter()
    ours, ours_names = run_ours(texts, vectors, args.seed)
    ours_s = time.perf_counter() - start
    results = [("voxloop topics.discover", ours, ours_s, ours_names)]

    if not args.skip_bertopic:
        try:
            run_bertopic(texts[:warm], vectors[:warm])
        except ImportError:
            print("BERTopic is not installed: pip install -e '.[bench]'")
        else:
            start = time.perf_counter()
            theirs, their_names = run_bertopic(texts, vectors)
            results.append(
                ("BERTopic (same embeddings)", theirs, time.perf_counter() - start, their_names)
            )

    base_s = results[-1][2]
    print()
    print(
        f"{'method':<28} {'n':>6} {'themes':>6} {'unassigned':>10} {'NMI':>6} "
        f"{'seconds':>8} {'time vs BERTopic':>16}"
    )
    for name, labels, seconds, _ in results:
        themes = len(set(labels.tolist()) - {-1})
        unassigned = int((labels == -1).sum())
        score = normalized_mutual_info_score(cats, labels)
        print(
            f"{name:<28} {len(texts):>6} {themes:>6} {unassigned:>10} {score:>6.3f} "
            f"{seconds:>8.2f} {seconds / base_s:>16.2f}"
        )
    print()
    for name, _, _, names in results:
        print(f"{name}: largest themes")
        for line in names[:12]:
            print("   ", line)
    print("\nTargets: NMI >= BERTopic's, time <= 1/3 of BERTopic's (2-core machine; noisy).")


if __name__ == "__main__":
    main()
