"""Benchmark for voxloop.analysis.pipeline: the whole pipeline beside the embeddings alone.

Short real feedback (online_shopping_10_cats reviews of at most 60 characters and the UCI
English sentences, read from ../shared/data at run time, never copied) is analysed with a small
three-level taxonomy. Both runs use the same texts, in the same process, after a warm-up, so
the ratio is the pipeline's cost over its floor (one embedding per unique text).

    step | n | seconds | items/s | ratio to embeddings alone

Run: .venv/bin/python bench/pipeline.py [--n 2000] [--seed 5] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from voxloop.analysis import classify, keyphrases, kinds, sentiment, text
from voxloop.analysis.embed import embed
from voxloop.analysis.pipeline import analyze
from voxloop.analysis.types import Taxonomy, TaxonomyNode

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

TAXONOMY = Taxonomy(
    nodes=(
        TaxonomyNode("1", "物流", "Delivery", keywords=("快递", "物流", "送货", "delivery")),
        TaxonomyNode("2", "包装", "Packaging", parent="1", keywords=("包装", "箱子", "box")),
        TaxonomyNode("3", "质量", "Quality", keywords=("质量", "做工", "quality", "broke")),
        TaxonomyNode("4", "价格", "Price", keywords=("价格", "便宜", "贵", "price")),
        TaxonomyNode("5", "服务", "Service", keywords=("服务", "客服", "态度", "service")),
        TaxonomyNode("6", "客服", "Support", parent="5", examples=("客服一直不回复",)),
        TaxonomyNode("7", "电池", "Battery", parent="3", keywords=("电池", "battery")),
    ),
    version="bench",
)


def load(data: Path, n: int, seed: int) -> list[str]:
    texts: list[str] = []
    with (data / "online_shopping_10_cats" / "online_shopping_10_cats.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        for row in csv.DictReader(fh):
            review = (row["review"] or "").strip()
            if 4 <= len(review) <= 60:
                texts.append(review)
    with (data / "uci_sentiment_labelled_sentences" / "all_labelled.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        texts.extend((row["text"] or "").strip() for row in csv.DictReader(fh))
    unique = sorted(set(t for t in texts if t))
    random.Random(seed).shuffle(unique)
    return unique[:n]


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    texts = load(args.data, args.n, args.seed)
    n = len(texts)
    analyze(texts[:50], taxonomy=TAXONOMY)  # warm-up: loads the encoder, jieba, lexicons
    normalised = [text.normalize(t) for t in texts]

    t_embed = timed(lambda: embed(normalised))
    vectors = embed(normalised[:1])  # keep the encoder warm between runs
    t_pipeline = timed(lambda: analyze(texts, taxonomy=TAXONOMY))
    # Where the time goes (each step on its own, embeddings precomputed once more).
    vectors = embed(normalised)
    sents: list[Any] = []
    steps = {
        "sentiment (given embeddings)": lambda: sents.extend(
            sentiment.score(normalised, embeddings=vectors)
        ),
        "classify (given embeddings)": lambda: classify.classify(
            normalised, TAXONOMY, embeddings=vectors
        ),
        "type + urgency": lambda: (
            kinds.classify_kinds(normalised, sents),
            [kinds.urgency(t) for t in normalised],
        ),
        "keyphrases": lambda: keyphrases.extract(normalised, top_k=5),
    }
    rows = [("embeddings alone (floor)", t_embed), ("whole pipeline", t_pipeline)]
    rows += [(name, timed(fn)) for name, fn in steps.items()]
    print(f"\nbench/pipeline.py: n={n} short texts (zh reviews <= 60 chars + UCI sentences)")
    print(f"{'step':<32} {'n':>6} {'seconds':>9} {'items/s':>9} {'ratio to embeddings':>20}")
    for name, seconds in rows:
        rate = n / seconds if seconds else float("inf")
        print(f"{name:<32} {n:>6} {seconds:>9.2f} {rate:>9.0f} {seconds / t_embed:>20.2f}")
    print(
        f"\npipeline items/s = {n / t_pipeline:.0f} (target >= 500); "
        f"pipeline / embeddings = {t_pipeline / t_embed:.2f} (target <= 2.0)"
    )


if __name__ == "__main__":
    main()
