"""``voxloop eval STEP --data FILE``: score one analysis step on a labelled CSV or JSONL file.

Steps: ``sentiment``, ``classify`` (labels are category names, used as taxonomy node names),
``kind``, ``aspect`` (MAMS-ACSA style JSONL: per-topic sentiment) and ``dedupe`` (rows that share
a label are duplicates of each other). Prints accuracy, macro-F1, a per-class table, the
confusion matrix, items/s and, for sentiment / classify / kind / aspect, a learning curve after
k corrections drawn from the file (or from ``--train``) and scored on the rest.

The figures are printed; nothing is written. With ``--json`` the summary is also printed as one
JSON line (used by bench/eval_all.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voxloop.analysis import text as textmod
from voxloop.analysis.types import Sentiment, Taxonomy, TaxonomyNode

CURVE = (0, 50, 200, 1000)
# text -> embedding, shared by steps run in one process when MEMO is switched on (by
# bench/eval_all.py); items/s of a step that reuses vectors then leaves out their cost.
MEMO = False
_MEMO: dict[str, np.ndarray] = {}


def embed(texts: Sequence[str]) -> np.ndarray:
    """voxloop.analysis.embed.embed, optionally remembering vectors across steps."""
    from voxloop.analysis.embed import embed as _embed

    if not MEMO:
        return _embed(list(texts))
    todo = sorted({t for t in texts if t not in _MEMO})
    if todo:
        for t, v in zip(todo, _embed(todo), strict=True):
            _MEMO[t] = v
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.stack([_MEMO[t] for t in texts])


MIN_SCORED = 50  # a curve point needs at least this many rows left to score


# --- data ------------------------------------------------------------------------------------


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (any encoding with or without BOM) or JSON Lines file."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = []
        with path.open(encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise SystemExit(f"{path}: line {number} is not JSON ({exc})") from None
        return rows
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        return list(csv.DictReader(fh, delimiter=delimiter))


def labelled(
    rows: Sequence[dict[str, Any]], text_col: str, label_col: str
) -> list[tuple[str, str]]:
    if rows and text_col not in rows[0]:
        raise SystemExit(f"no column {text_col!r}; columns: {', '.join(rows[0])}")
    if rows and label_col not in rows[0]:
        raise SystemExit(f"no column {label_col!r}; columns: {', '.join(rows[0])}")
    out = []
    for row in rows:
        t, y = row.get(text_col), row.get(label_col)
        if isinstance(t, str) and t.strip() and y is not None and str(y).strip() != "":
            out.append((textmod.normalize(t), str(y).strip()))
    return out


def stratified_sample(
    pairs: Sequence[tuple[str, str]], size: int, seed: int
) -> list[tuple[str, str]]:
    """At most ``size`` rows keeping each label's share (used when a full run is too slow)."""
    if size <= 0 or size >= len(pairs):
        return list(pairs)
    rng = random.Random(seed)
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in pairs:
        by_label[p[1]].append(p)
    out: list[tuple[str, str]] = []
    for items in by_label.values():
        take = max(1, round(size * len(items) / len(pairs)))
        out.extend(rng.sample(items, min(take, len(items))))
    rng.shuffle(out)
    return out


# --- metrics ---------------------------------------------------------------------------------


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]  # precision, recall, f1, support
    labels: list[str]
    confusion: list[list[int]]
    n: int
    seconds: float = 0.0
    curve: list[tuple[int, int, float, float]] = field(default_factory=list)  # k, n, acc, f1
    baseline: dict[str, tuple[float, float]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "items_per_s": round(self.n / self.seconds, 1) if self.seconds else None,
            "curve": [
                {"k": k, "scored": n, "accuracy": round(a, 4), "macro_f1": round(f, 4)}
                for k, n, a, f in self.curve
            ],
            "baseline": {
                k: {"accuracy": round(a, 4), "macro_f1": round(f, 4)}
                for k, (a, f) in self.baseline.items()
            },
        }


def score_labels(gold: Sequence[str], predicted: Sequence[str]) -> Report:
    labels = sorted(set(gold) | set(predicted))
    index = {lab: i for i, lab in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g]][index[p]] += 1
    per_class: dict[str, tuple[float, float, float, int]] = {}
    f1s = []
    gold_set = set(gold)
    for lab in labels:
        i = index[lab]
        tp = confusion[i][i]
        predicted_n = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = (precision, recall, f1, support)
        if lab in gold_set:
            f1s.append(f1)
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return Report(
        accuracy=correct / len(gold) if gold else 0.0,
        macro_f1=float(np.mean(f1s)) if f1s else 0.0,
        per_class=per_class,
        labels=labels,
        confusion=confusion,
        n=len(gold),
    )


def print_report(title: str, report: Report, out: Any = None) -> None:
    w = (out or sys.stdout).write
    w(f"\n== {title}\n")
    rate = f"{report.n / report.seconds:,.0f} items/s" if report.seconds else "n/a"
    w(f"n={report.n}  accuracy={report.accuracy:.4f}  macro-F1={report.macro_f1:.4f}  {rate}\n")
    for name, (acc, f1) in report.baseline.items():
        w(f"baseline {name}: accuracy={acc:.4f}  macro-F1={f1:.4f}\n")
    width = max([len(lab) for lab in report.labels] + [5])
    w(f"\n{'class':<{width}}  precision  recall  f1      support\n")
    for lab in report.labels:
        p, r, f, s = report.per_class[lab]
        w(f"{lab:<{width}}  {p:9.3f}  {r:6.3f}  {f:6.3f}  {s:7d}\n")
    if len(report.labels) <= 20:
        w("\nconfusion (rows = truth, columns = predicted)\n")
        short = [lab[:8] for lab in report.labels]
        w(" " * (width + 2) + " ".join(f"{s:>8}" for s in short) + "\n")
        for lab, row in zip(report.labels, report.confusion, strict=True):
            w(f"{lab:<{width}}  " + " ".join(f"{v:8d}" for v in row) + "\n")
    else:
        w(f"\nconfusion matrix omitted ({len(report.labels)} classes); most confused pairs:\n")
        pairs = [
            (report.confusion[i][j], report.labels[i], report.labels[j])
            for i in range(len(report.labels))
            for j in range(len(report.labels))
            if i != j and report.confusion[i][j]
        ]
        for count, a, b in sorted(pairs, reverse=True)[:10]:
            w(f"  {a} -> {b}: {count}\n")
    if report.curve:
        w("\nlearning curve (k corrections drawn from the data, scored on the rest)\n")
        w("k       scored  accuracy  macro-F1\n")
        for k, n, acc, f1 in report.curve:
            w(f"{k:<7d} {n:6d}  {acc:8.4f}  {f1:8.4f}\n")


def _curve(
    pool_size: int,
    scored_size: int | None,
    run: Callable[[np.ndarray, np.ndarray], tuple[float, float, int]],
    ks: Sequence[int],
    seed: int,
) -> list[tuple[int, int, float, float]]:
    """For each k: draw k correction rows from the pool, score the rest (or a fixed set)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(pool_size)
    out = []
    for k in ks:
        if scored_size is None and pool_size - k < MIN_SCORED:
            continue
        if scored_size is not None and k > pool_size:
            continue
        train = order[:k]
        rest = order[k:] if scored_size is None else np.arange(scored_size)
        acc, f1, n = run(train, rest)
        out.append((k, n, acc, f1))
    return out


# --- sentiment -------------------------------------------------------------------------------

_POSITIVE = {"1", "positive", "pos", "+1", "2", "good"}
_NEGATIVE = {"0", "negative", "neg", "-1", "bad"}


def sentiment_label(raw: str) -> str:
    value = raw.strip().lower()
    if value in _POSITIVE:
        return "positive"
    if value in _NEGATIVE:
        return "negative"
    if value in ("neutral", "neu", "mixed"):
        return "neutral"
    raise SystemExit(f"unknown sentiment label {raw!r} (use 1/0, positive/neutral/negative)")


def _resolve(results: Sequence[Sentiment], binary: bool) -> list[str]:
    """Without a neutral class in the data, a neutral answer goes by its score's sign."""
    if not binary:
        return [s.label for s in results]
    return [
        s.label if s.label != "neutral" else ("positive" if s.score >= 0 else "negative")
        for s in results
    ]


def _baseline_sentiment(name: str, texts: Sequence[str]) -> list[str]:
    if name == "vader":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        return [
            "positive" if analyzer.polarity_scores(t)["compound"] >= 0 else "negative"
            for t in texts
        ]
    if name == "snownlp":
        try:
            from snownlp import SnowNLP
        except ImportError:
            raise SystemExit("snownlp is not installed (pip install snownlp)") from None
        return ["positive" if SnowNLP(t).sentiments >= 0.5 else "negative" for t in texts]
    raise SystemExit(f"unknown baseline {name!r}")


def eval_sentiment(
    pairs: Sequence[tuple[str, str]], args: argparse.Namespace
) -> tuple[Report, str]:
    from voxloop.analysis import sentiment

    texts = [t for t, _ in pairs]
    gold = [sentiment_label(y) for _, y in pairs]
    binary = "neutral" not in gold
    languages = [textmod.detect_language(t) for t in texts]
    started = time.perf_counter()
    vectors = embed(texts)
    results = sentiment.score(texts, language=languages, embeddings=vectors)
    mode = getattr(args, "quality", "off")
    if mode != "off":  # as the pipeline does: the default answer, then chosen items re-scored
        from voxloop.analysis import quality

        quality.require(mode, "--quality")
        picked = quality.chosen(languages, mode)
        rescored = quality.score([texts[i] for i in picked], [languages[i] for i in picked])
        for i, better in zip(picked, rescored, strict=True):
            results[i] = better
    seconds = time.perf_counter() - started
    report = score_labels(gold, _resolve(results, binary))
    report.seconds = seconds
    if args.baseline:
        for name in args.baseline:
            predicted = _baseline_sentiment(name, texts)
            base = score_labels(gold, predicted)
            label = (
                f"{name} (flattered: trained on part of these reviews)"
                if (name == "snownlp")
                else name
            )
            report.baseline[label] = (base.accuracy, base.macro_f1)

    def run(train: np.ndarray, rest: np.ndarray) -> tuple[float, float, int]:
        model = None
        if len(train):
            model = sentiment.fit(
                [texts[i] for i in train],
                [gold[i] for i in train],
                embeddings=vectors[train],
                languages=[languages[i] for i in train],
            )
        out = sentiment.score(
            [texts[i] for i in rest],
            language=[languages[i] for i in rest],
            model=model,
            embeddings=vectors[rest],
        )
        r = score_labels([gold[i] for i in rest], _resolve(out, binary))
        return r.accuracy, r.macro_f1, len(rest)

    if not args.no_curve:
        report.curve = _curve(len(texts), None, run, args.curve, args.seed)
    return report, "sentiment"


# --- classify --------------------------------------------------------------------------------


def _taxonomy(
    labels: Sequence[str],
    examples: dict[str, list[str]],
    keywords: dict[str, list[str]],
    use_names: bool = True,
) -> Taxonomy:
    nodes = []
    for lab in labels:
        readable = lab.replace("_", " ") if use_names else ""
        nodes.append(
            TaxonomyNode(
                key=lab,
                name_zh=readable if not readable.isascii() else "",
                name_en=readable if readable.isascii() else "",
                keywords=tuple(keywords.get(lab, ())),
                examples=tuple(examples.get(lab, ())),
            )
        )
    return Taxonomy(nodes=tuple(nodes), version=f"eval-{len(nodes)}")


def _draw_examples(
    pairs: Sequence[tuple[str, str]], k: int, seed: int
) -> tuple[dict[str, list[str]], set[int]]:
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, (_, y) in enumerate(pairs):
        by_label[y].append(i)
    examples: dict[str, list[str]] = {}
    used: set[int] = set()
    for lab, idx in sorted(by_label.items()):
        chosen = rng.sample(idx, min(k, len(idx)))
        examples[lab] = [pairs[i][0] for i in chosen]
        used.update(chosen)
    return examples, used


def eval_classify(pairs: Sequence[tuple[str, str]], args: argparse.Namespace) -> tuple[Report, str]:
    from voxloop.analysis import classify

    keywords: dict[str, list[str]] = {}
    if args.keywords:
        keywords = json.loads(Path(args.keywords).read_text(encoding="utf-8"))
    source = list(pairs)
    if args.train:
        source = labelled(load_rows(Path(args.train)), args.text_col, args.label_col)
    examples, used = (
        _draw_examples(source, args.examples, args.seed) if args.examples else ({}, set())
    )
    scored = [p for i, p in enumerate(pairs) if args.train or i not in used]
    labels = sorted({y for _, y in pairs} | {y for _, y in source})
    taxonomy = _taxonomy(labels, examples, keywords)
    texts = [t for t, _ in scored]
    gold = [y for _, y in scored]
    classify.prototypes(taxonomy)  # node embeddings are part of set-up, not of scoring
    fitted = None
    if args.fit_examples and examples:
        # The examples as corrections: a learned model instead of prototypes alone.
        ex_pairs = [(t, lab) for lab, ts in examples.items() for t in ts]
        fitted = classify.fit_topics(
            [t for t, _ in ex_pairs],
            [[lab] for _, lab in ex_pairs],
            _taxonomy(labels, {}, keywords),
            holdout=0,
        )
    started = time.perf_counter()
    vectors = embed(texts)
    if args.bootstrap and fitted is None:
        fitted = classify.bootstrap(texts, taxonomy, embeddings=vectors)
    predicted = classify.top_node(texts, taxonomy, model=fitted, embeddings=vectors)
    seconds = time.perf_counter() - started
    report = score_labels(gold, predicted)
    report.seconds = seconds

    if not args.no_curve:
        pool = [p for i, p in enumerate(source) if i not in used] if args.train else scored
        pool_vectors = embed([t for t, _ in pool]) if args.train else vectors

        def run(train: np.ndarray, rest: np.ndarray) -> tuple[float, float, int]:
            model = None
            if len(train):
                model = classify.fit_topics(
                    [pool[i][0] for i in train],
                    [[pool[i][1]] for i in train],
                    taxonomy,
                    embeddings=pool_vectors[train],
                    holdout=0,
                )
            if args.train:
                rest_texts, rest_gold, rest_vec = texts, gold, vectors
            else:
                rest_texts = [texts[i] for i in rest]
                rest_gold = [gold[i] for i in rest]
                rest_vec = vectors[rest]
            out = classify.top_node(rest_texts, taxonomy, model=model, embeddings=rest_vec)
            r = score_labels(rest_gold, out)
            return r.accuracy, r.macro_f1, len(rest_gold)

        report.curve = _curve(
            len(pool), len(scored) if args.train else None, run, args.curve, args.seed
        )
    return report, "classify"


# --- kind ------------------------------------------------------------------------------------


def eval_kind(pairs: Sequence[tuple[str, str]], args: argparse.Namespace) -> tuple[Report, str]:
    from voxloop.analysis import kinds, sentiment

    texts = [t for t, _ in pairs]
    gold = [y.lower() for _, y in pairs]
    started = time.perf_counter()
    vectors = embed(texts)
    sents = sentiment.score(texts, embeddings=vectors)
    predicted = [k for k, _ in kinds.classify_kinds(texts, sents)]
    report = score_labels(gold, predicted)
    report.seconds = time.perf_counter() - started

    def run(train: np.ndarray, rest: np.ndarray) -> tuple[float, float, int]:
        model = None
        if len(train):
            model = kinds.fit_kinds(
                [texts[i] for i in train],
                [gold[i] for i in train],
                [sents[i] for i in train],
                embeddings=vectors[train],
                holdout=0,
            )
        out = kinds.classify_kinds(
            [texts[i] for i in rest],
            [sents[i] for i in rest],
            model=model,
            embeddings=vectors[rest],
        )
        r = score_labels([gold[i] for i in rest], [k for k, _ in out])
        return r.accuracy, r.macro_f1, len(rest)

    if not args.no_curve:
        report.curve = _curve(len(texts), None, run, args.curve, args.seed)
    return report, "kind"


# --- aspect (per-topic sentiment) ------------------------------------------------------------


def _aspect_rows(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for row in load_rows(path):
        text = textmod.normalize(str(row.get("text", "")))
        for aspect in row.get("aspect_categories", []) or []:
            out.append((text, str(aspect["category"]), str(aspect["polarity"])))
    return out


def _aspect_clauses(
    rows: Sequence[tuple[str, str, str]], taxonomy: Taxonomy, vectors: dict[str, np.ndarray]
) -> list[str]:
    """The clause(s) of each row's text that carry its aspect (classify's evidence)."""
    from voxloop.analysis import classify

    texts = sorted({t for t, _, _ in rows})
    hits = classify.classify(texts, taxonomy, embeddings=np.stack([vectors[t] for t in texts]))
    evidence: dict[tuple[str, str], str] = {}
    for t, found in zip(texts, hits, strict=True):
        for hit in found:
            clauses = [s.text for s in hit.evidence if s.kind == "clause"]
            if clauses:
                evidence[(t, hit.node)] = " ".join(clauses)
    nodes = {n.key: n for n in taxonomy.nodes}
    out = []
    for t, aspect, _ in rows:
        clause = evidence.get((t, aspect))
        if clause is None:
            spans = textmod.clauses(t)
            node = nodes[aspect]
            best = classify._best_clause(t, spans, [node.name_en, *node.keywords])
            clause = best.text if best is not None else t
        out.append(clause)
    return out


def eval_aspect(path: Path, args: argparse.Namespace) -> tuple[Report, str]:
    from voxloop.analysis import sentiment

    keywords: dict[str, list[str]] = {}
    if args.keywords:
        keywords = json.loads(Path(args.keywords).read_text(encoding="utf-8"))
    rows = _aspect_rows(path)
    if args.limit:
        rows = rows[: args.limit]
    labels = sorted({a for _, a, _ in rows})
    taxonomy = _taxonomy(labels, {}, keywords)
    started = time.perf_counter()
    unique = sorted({t for t, _, _ in rows})
    text_vec = dict(zip(unique, embed(unique), strict=True))
    clauses = _aspect_clauses(rows, taxonomy, text_vec)
    clause_vec = embed(clauses)
    gold = [p for _, _, p in rows]

    def predict(model: sentiment.SentimentModel | None, idx: Sequence[int]) -> list[str]:
        out = []
        m = model or sentiment.default_model()
        for i in idx:
            lex = sentiment.lexicon_score(clauses[i]).score
            z = m.class_logits(clause_vec[i][None, :], [lex], ["en"])[0]
            out.append(("positive", "neutral", "negative")[int(np.argmax(z))])
        return out

    everything = list(range(len(rows)))
    report = score_labels(gold, predict(None, everything))
    report.seconds = time.perf_counter() - started
    if not args.no_curve and args.train:
        train_rows = _aspect_rows(Path(args.train))
        train_clauses = _aspect_clauses(
            train_rows,
            taxonomy,
            dict(
                zip(
                    sorted({t for t, _, _ in train_rows}),
                    embed(sorted({t for t, _, _ in train_rows})),
                    strict=True,
                )
            ),
        )
        train_vec = embed(train_clauses)

        def run(train: np.ndarray, rest: np.ndarray) -> tuple[float, float, int]:
            model = None
            if len(train):
                model = sentiment.fit(
                    [train_clauses[i] for i in train],
                    [train_rows[i][2] for i in train],
                    embeddings=train_vec[train],
                    languages=["en"] * len(train),
                )
            r = score_labels(gold, predict(model, everything))
            return r.accuracy, r.macro_f1, len(gold)

        report.curve = _curve(len(train_rows), len(rows), run, args.curve, args.seed)
    return report, "aspect"


# --- dedupe ----------------------------------------------------------------------------------


def eval_dedupe(pairs: Sequence[tuple[str, str]], args: argparse.Namespace) -> tuple[Report, str]:
    """Rows sharing a label are one group; a link to any earlier member counts as correct."""
    from voxloop.analysis.dedupe import DedupeIndex

    texts = [t for t, _ in pairs]
    groups = [y for _, y in pairs]
    started = time.perf_counter()
    index = DedupeIndex(threshold=args.threshold) if args.threshold else DedupeIndex()
    found = index.add_batch(list(range(len(texts))), texts)
    seconds = time.perf_counter() - started
    seen: set[str] = set()
    gold, predicted = [], []
    for i, hit in enumerate(found):
        is_dup = groups[i] in seen
        seen.add(groups[i])
        gold.append("duplicate" if is_dup else "first")
        if hit is None:
            predicted.append("first")
        else:
            predicted.append("duplicate" if groups[hit[0]] == groups[i] else "wrong-link")
    report = score_labels(gold, predicted)
    report.seconds = seconds
    return report, "dedupe"


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="voxloop eval", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["sentiment", "classify", "kind", "aspect", "dedupe"])
    parser.add_argument("--data", type=Path, required=True, help="labelled CSV or JSONL file")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--examples", type=int, default=0, help="examples per class (classify)")
    parser.add_argument("--keywords", help="JSON file {class: [keyword, ...]} (classify, aspect)")
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="classify: self-train on the (unlabelled) scored texts' confident day-one answers",
    )
    parser.add_argument(
        "--fit-examples",
        action="store_true",
        help="classify: also train the per-workspace model on the examples (as corrections)",
    )
    parser.add_argument("--train", help="draw examples / corrections from this file instead")
    parser.add_argument(
        "--baseline", action="append", choices=["snownlp", "vader"], help="print beside"
    )
    parser.add_argument("--sample", type=int, default=0, help="stratified sample of N rows")
    parser.add_argument("--limit", type=int, default=0, help="first N rows only")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--curve",
        type=lambda s: [int(v) for v in s.split(",") if v.strip()],
        default=list(CURVE),
        help="correction counts for the learning curve (default 0,50,200,1000)",
    )
    parser.add_argument(
        "--quality",
        choices=["off", "english", "all"],
        default="off",
        help="sentiment: re-score with the quality mode (needs the `quality` extra); "
        "the learning curve is left out, as corrections are fitted on the default encoder",
    )
    parser.add_argument("--no-curve", action="store_true")
    parser.add_argument("--threshold", type=float, default=0.0, help="dedupe similarity")
    parser.add_argument("--json", action="store_true", help="also print a JSON summary line")
    args = parser.parse_args(argv)
    if not args.data.exists():
        parser.error(f"--data: no such file {args.data}")
    if args.step == "aspect":
        report, title = eval_aspect(args.data, args)
    else:
        pairs = labelled(load_rows(args.data), args.text_col, args.label_col)
        if args.limit:
            pairs = pairs[: args.limit]
        if args.sample:
            pairs = stratified_sample(pairs, args.sample, args.seed)
        if not pairs:
            parser.error("--data: no labelled rows")
        if args.quality != "off":
            if args.step != "sentiment":
                parser.error("--quality: only the sentiment step has a quality mode")
            args.no_curve = True
        steps = {
            "sentiment": eval_sentiment,
            "classify": eval_classify,
            "kind": eval_kind,
            "dedupe": eval_dedupe,
        }
        report, title = steps[args.step](pairs, args)
    print_report(f"{title}: {args.data.name}", report)
    if args.json:
        print("JSON " + json.dumps({"step": title, "data": str(args.data), **report.summary()}))
    return 0


def label_counts(pairs: Sequence[tuple[str, str]]) -> Counter[str]:
    return Counter(y for _, y in pairs)
