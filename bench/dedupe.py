"""Benchmark for voxloop.analysis.dedupe: accuracy on generated near-duplicates, speed vs all-pairs rapidfuzz.

Reads real reviews from ../shared/data at run time (never copied into the repo), makes edited
copies with a fixed seed, and prints one table:

    method | n | seconds | items/s | precision | recall | ratio to baseline

Run: .venv/bin/python bench/dedupe.py [--quick] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from voxloop.analysis.dedupe import DedupeIndex, _forms, similarity

SEED = 7
THRESHOLD = 0.85
ZH_CHARS = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对"
    "可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同"
)
ZH_INSERTS = ("真的", "非常", "其实", "感觉", "还是")
EN_INSERTS = ("really", "very", "actually", "just", "so")
_CLAUSE = re.compile(r"([，,。.!！?？;；]+)")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# --- data --------------------------------------------------------------------------------------


def load_reviews(data: Path) -> list[tuple[str, str]]:
    """(group label, text) for every usable review: Chinese product reviews and English sentences."""
    out: list[tuple[str, str]] = []
    with (data / "online_shopping_10_cats" / "online_shopping_10_cats.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        for row in csv.DictReader(fh):
            out.append(("zh:" + row["cat"], (row["review"] or "").strip()))
    with (data / "uci_sentiment_labelled_sentences" / "all_labelled.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        for row in csv.DictReader(fh):
            out.append(("en:" + row["source"], (row["text"] or "").strip()))
    return out


def distinct_pool(reviews: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Reviews with >= 8 fingerprint characters, one per fingerprint, and none within 0.7 of an
    earlier one (the corpus has templated near-repeats; those would blur the labels)."""
    seen: set[str] = set()
    cand: list[tuple[str, str]] = []
    for cat, text in reviews:
        fp = _forms(text)[0]
        if len(fp) >= 8 and fp not in seen:
            seen.add(fp)
            cand.append((cat, text))
    index = DedupeIndex(threshold=0.7)
    hits = index.add_batch(list(range(len(cand))), [t for _, t in cand])
    return [c for c, h in zip(cand, hits, strict=True) if h is None]


# --- edits -------------------------------------------------------------------------------------


class Editor:
    """Realistic edits of a review, with a fixed seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        from opencc import OpenCC

        self.s2t = OpenCC("s2t")

    def edit(self, text: str) -> tuple[str, list[str]]:
        zh = bool(_HAN.search(text))
        ops = ["typo_sub", "typo_del", "punct", "insert", "delete", "reorder"]
        if zh:
            ops.append("traditional")
        k = self.rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0]
        chosen = self.rng.sample(ops, k)
        for op in chosen:
            text = getattr(self, op)(text, zh)
        return text, chosen

    def _pos(self, text: str) -> int:
        return self.rng.randrange(len(text)) if text else 0

    def typo_sub(self, text: str, zh: bool) -> str:
        for _ in range(self.rng.choice((1, 1, 2))):
            i = self._pos(text)
            c = self.rng.choice(ZH_CHARS) if zh else self.rng.choice("abcdefghijklmnopqrstuvwxyz")
            text = text[:i] + c + text[i + 1 :]
        return text

    def typo_del(self, text: str, zh: bool) -> str:
        for _ in range(self.rng.choice((1, 1, 2))):
            i = self._pos(text)
            text = text[:i] + text[i + 1 :]
        return text

    def punct(self, text: str, zh: bool) -> str:
        choice = self.rng.random()
        if choice < 0.4:
            return _CLAUSE.sub(lambda m: self.rng.choice(("，", "。", "！", ",", ".", " ")), text)
        if choice < 0.7:
            return _CLAUSE.sub("", text)
        return text + self.rng.choice(("!!!", "！！", "。。。", "~", "?"))

    def insert(self, text: str, zh: bool) -> str:
        if zh:
            i = self._pos(text)
            return text[:i] + self.rng.choice(ZH_INSERTS) + text[i:]
        words = text.split(" ")
        i = self.rng.randrange(len(words) + 1)
        return " ".join([*words[:i], self.rng.choice(EN_INSERTS), *words[i:]])

    def delete(self, text: str, zh: bool) -> str:
        if zh:
            n = self.rng.randint(2, 4)
            i = self.rng.randrange(max(1, len(text) - n))
            return text[:i] + text[i + n :]
        words = text.split(" ")
        if len(words) > 3:
            del words[self.rng.randrange(len(words))]
        return " ".join(words)

    def reorder(self, text: str, zh: bool) -> str:
        parts = _CLAUSE.split(text)
        clauses = [
            parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
        ]
        clauses = [c for c in clauses if c.strip()]
        if len(clauses) < 2:
            return text
        i = self.rng.randrange(len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
        return "".join(clauses)

    def traditional(self, text: str, zh: bool) -> str:
        return str(self.s2t.convert(text))


def make_dataset(
    pool: Sequence[tuple[str, str]], n: int, copy_share: float, seed: int
) -> tuple[list[str], list[int], list[list[str]]]:
    """n items: originals plus edited copies, shuffled. Returns texts, group ids, ops per item."""
    rng = random.Random(seed)
    n_orig = min(len(pool), int(n * (1 - copy_share)))
    originals = rng.sample(list(pool), n_orig)
    editor = Editor(seed)
    items: list[tuple[str, int, list[str]]] = [(t, g, []) for g, (_, t) in enumerate(originals)]
    while len(items) < n:
        g = rng.randrange(n_orig)
        text, ops = editor.edit(originals[g][1])
        items.append((text, g, ops))
    rng.shuffle(items)
    return [t for t, _, _ in items], [g for _, g, _ in items], [o for _, _, o in items]


# --- scoring -----------------------------------------------------------------------------------


def positives(texts: Sequence[str], groups: Sequence[int]) -> list[bool]:
    """Item i is a positive when an earlier item of its group is >= THRESHOLD similar."""
    forms = [_forms(t) for t in texts]
    earlier: dict[int, list[int]] = defaultdict(list)
    out: list[bool] = []
    for i, g in enumerate(groups):
        fa, ca = forms[i]
        ok = False
        for j in earlier[g]:
            fb, cb = forms[j]
            s = fuzz.ratio(fa, fb)
            if ca or cb:
                s = max(s, fuzz.ratio(ca or fa, cb or fb))
            if fa == fb or s >= THRESHOLD * 100:
                ok = True
                break
        out.append(ok)
        earlier[g].append(i)
    return out


def score(
    preds: Sequence[int | None], groups: Sequence[int], pos: Sequence[bool]
) -> tuple[float, float]:
    flagged = [(i, p) for i, p in enumerate(preds) if p is not None]
    correct = sum(1 for i, p in flagged if groups[p] == groups[i])
    found = sum(
        1 for i, p in enumerate(preds) if pos[i] and p is not None and groups[p] == groups[i]
    )
    precision = correct / len(flagged) if flagged else 1.0
    recall = found / max(1, sum(pos))
    return precision, recall


# --- methods -----------------------------------------------------------------------------------


def run_index(texts: Sequence[str], batch: int = 1000) -> tuple[list[int | None], float]:
    index = DedupeIndex(threshold=THRESHOLD)
    preds: list[int | None] = []
    t0 = time.perf_counter()
    for a in range(0, len(texts), batch):
        keys = list(range(a, min(a + batch, len(texts))))
        for r in index.add_batch(keys, texts[a : a + batch]):
            preds.append(None if r is None else r[0])
    return preds, time.perf_counter() - t0


def run_all_pairs(texts: Sequence[str], chunk: int = 2000) -> tuple[list[int | None], float]:
    """All-pairs rapidfuzz with the same similarity: cdist (workers=2, score_cutoff) on the
    fingerprints and on the sorted-clause fingerprints, lower triangle only (each item against
    the items before it, as incremental dedupe needs), earliest match wins."""
    t0 = time.perf_counter()
    forms = [_forms(t) for t in texts]
    fps = [f for f, _ in forms]
    cls = [c or f for f, c in forms]
    cut = THRESHOLD * 100
    preds: list[int | None] = [None] * len(texts)
    for a in range(0, len(texts), chunk):
        b = min(a + chunk, len(texts))
        m1 = process.cdist(
            fps[a:b], fps[:b], scorer=fuzz.ratio, score_cutoff=cut, workers=2, dtype=np.uint8
        )
        m2 = process.cdist(
            cls[a:b], cls[:b], scorer=fuzz.ratio, score_cutoff=cut, workers=2, dtype=np.uint8
        )
        hit = (np.maximum(m1, m2) >= cut) & (np.arange(b)[None, :] < np.arange(a, b)[:, None])
        rows = hit.any(axis=1)
        first = hit.argmax(axis=1)
        for r in np.flatnonzero(rows):
            preds[a + int(r)] = int(first[r])
    return preds, time.perf_counter() - t0


# --- main --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--quick", action="store_true", help="5k accuracy run, 20k speed run")
    args = parser.parse_args(argv)

    n_acc, n_speed = (5_000, 20_000) if args.quick else (20_000, 100_000)
    t0 = time.perf_counter()
    pool = distinct_pool(load_reviews(args.data))
    print(f"pool: {len(pool)} distinct reviews ({time.perf_counter() - t0:.1f}s to build)")

    texts, groups, ops = make_dataset(pool, n_acc, copy_share=0.3, seed=SEED)
    pos = positives(texts, groups)
    edited = [i for i, o in enumerate(ops) if o]
    originals = {groups[i]: texts[i] for i, o in enumerate(ops) if not o}
    keeps = {i: similarity(texts[i], originals[groups[i]]) >= THRESHOLD for i in edited}
    qual = sum(keeps.values()) / max(1, len(edited))
    print(
        f"accuracy set: {n_acc} items, {len(edited)} edited copies, {qual:.1%} of edits keep >= {THRESHOLD:.0%} similarity (positives: {sum(pos)})"
    )
    per_op: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in edited:
        for op in ops[i]:
            per_op[op][0] += int(keeps[i])
            per_op[op][1] += 1
    print(
        "  qualifying share by edit kind: "
        + ", ".join(f"{k} {v[0] / v[1]:.0%}" for k, v in sorted(per_op.items()))
    )

    rows: list[tuple[str, int, float, float, float, float]] = []
    base_preds, base_s = run_all_pairs(texts)
    bp, br = score(base_preds, groups, pos)
    rows.append(("all-pairs rapidfuzz cdist (baseline)", n_acc, base_s, n_acc / base_s, bp, br))
    preds, s = run_index(texts)
    p, r = score(preds, groups, pos)
    rows.append(("DedupeIndex add_batch(1000)", n_acc, s, n_acc / s, p, r))
    missed = [i for i, x in enumerate(preds) if pos[i] and (x is None or groups[x] != groups[i])]
    wrong = [i for i, x in enumerate(preds) if x is not None and groups[x] != groups[i]]

    texts2, groups2, _ = make_dataset(pool, n_speed, copy_share=0.5, seed=SEED + 1)
    pos2 = positives(texts2, groups2)
    preds2, s2 = run_index(texts2)
    p2, r2 = score(preds2, groups2, pos2)
    rows.append(("DedupeIndex add_batch(1000)", n_speed, s2, n_speed / s2, p2, r2))

    print()
    print(
        f"{'method':40} {'n':>7} {'seconds':>8} {'items/s':>9} {'precision':>9} {'recall':>7} {'ratio to baseline':>18}"
    )
    for name, n, sec, ips, prec, rec in rows:
        ratio = (n / sec) / (n_acc / base_s)
        print(f"{name:40} {n:>7} {sec:>8.2f} {ips:>9.0f} {prec:>9.4f} {rec:>7.4f} {ratio:>17.1f}x")
    print()
    print(f"speedup at n={n_acc}: {base_s / s:.1f}x (same similarity, same items)")
    if missed or wrong:
        kinds = Counter(op for i in missed for op in ops[i])
        print(
            f"missed positives: {len(missed)} (edit kinds involved: {dict(kinds)}); false matches: {len(wrong)}"
        )
    print(f"total bench time {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
