"""Every text-understanding figure of issue 3 in one run, on ../shared/data, as one table.

Each row runs ``voxloop eval`` (voxloop.analysis.evaluate) in this process and reads its JSON
summary; the throughput, dedupe and topic rows run bench/pipeline.py, bench/dedupe.py and
bench/topics.py as they are (their own tables are printed too). Where a full run would take more
than about two minutes on the 2-core machine, a stratified sample is scored and the row says so
(``--full`` scores everything). The data is read at run time and never copied.

Keyword lists below are our own (at most five per node), written for the public category names.

Run: .venv/bin/python bench/eval_all.py [--data ../shared/data] [--full] [--skip dedupe,topics]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from voxloop.analysis import evaluate  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"

# Names + <= 5 keywords per node (ours): the day-one taxonomy of the 10 product categories.
SHOP_KEYWORDS = {
    "书籍": ["书", "作者", "阅读", "印刷", "章节"],
    "平板": ["平板", "ipad", "屏幕", "pad", "平板电脑"],
    "手机": ["手机", "信号", "通话", "充电", "拍照"],
    "水果": ["水果", "新鲜", "甜", "个头", "口感"],
    "洗发水": ["洗发水", "头发", "头皮", "去屑", "洗发"],
    "热水器": ["热水器", "加热", "安装", "水温", "出水"],
    "蒙牛": ["蒙牛", "牛奶", "奶", "酸奶", "喝"],
    "衣服": ["衣服", "尺码", "面料", "穿", "颜色"],
    "计算机": ["电脑", "笔记本", "键盘", "系统", "内存"],
    "酒店": ["酒店", "房间", "前台", "入住", "早餐"],
}
MAMS_KEYWORDS = {
    "food": ["food", "dish", "taste", "delicious", "meal"],
    "service": ["service", "served", "wait", "slow", "attentive"],
    "staff": ["waiter", "waitress", "staff", "server", "bartender"],
    "price": ["price", "expensive", "cheap", "worth", "$"],
    "ambience": ["ambience", "atmosphere", "music", "decor", "noisy"],
    "menu": ["menu", "selection", "options", "specials", "choice"],
    "place": ["place", "restaurant", "location", "table", "seating"],
    "miscellaneous": ["reservation", "parking", "bathroom", "night", "time"],
}


def run_eval(argv: list[str]) -> tuple[dict[str, Any], str, float]:
    buf = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        evaluate.main([*argv, "--json"])
    seconds = time.perf_counter() - started
    out = buf.getvalue()
    summary = json.loads(out.rsplit("JSON ", 1)[1])
    return summary, out.rsplit("JSON ", 1)[0], seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--full", action="store_true", help="no sampling (slow)")
    parser.add_argument("--sample", type=int, default=2000, help="rows per sampled set")
    parser.add_argument("--skip", default="", help="comma list: sentiment,classify,aspect,...")
    parser.add_argument("--verbose", action="store_true", help="print each step's full report")
    args = parser.parse_args(argv)
    d = args.data
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sample = [] if args.full else ["--sample", str(args.sample)]
    evaluate.MEMO = True  # one embedding per text across all rows (items/s: first use only)
    tmp = Path(tempfile.mkdtemp(prefix="voxloop-eval-"))
    shop_kw = tmp / "shop_keywords.json"
    shop_kw.write_text(json.dumps(SHOP_KEYWORDS, ensure_ascii=False), encoding="utf-8")
    mams_kw = tmp / "mams_keywords.json"
    mams_kw.write_text(json.dumps(MAMS_KEYWORDS), encoding="utf-8")
    htl = str(d / "ChnSentiCorp_htl_all" / "ChnSentiCorp_htl_all.csv")
    shop = str(d / "online_shopping_10_cats" / "online_shopping_10_cats.csv")
    uci = str(d / "uci_sentiment_labelled_sentences" / "all_labelled.csv")
    bank_test = str(d / "banking77" / "test.csv")
    bank_train = str(d / "banking77" / "train.csv")
    mams_test = str(d / "mams_acsa" / "test.jsonl")
    mams_train = str(d / "mams_acsa" / "train.jsonl")
    note = "" if args.full else f" (stratified sample of {args.sample})"

    # (group, figure, target, argv, how to read the figure)
    plan: list[tuple[str, str, str, list[str], str]] = [
        (
            "sentiment",
            f"zh sentiment, ChnSentiCorp_htl_all{note}",
            ">= 0.85 acc; >= 0.90 @200",
            ["sentiment", "--data", htl, "--text-col", "review", "--baseline", "snownlp", *sample],
            "accuracy",
        ),
        (
            "sentiment",
            f"zh sentiment, online_shopping_10_cats{note}",
            ">= 0.85 acc; >= 0.90 @200",
            ["sentiment", "--data", shop, "--text-col", "review", "--baseline", "snownlp", *sample],
            "accuracy",
        ),
        (
            "sentiment",
            "en sentiment, UCI sentences (all 3,000)",
            ">= 0.85 acc (VADER ~0.75)",
            ["sentiment", "--data", uci, "--baseline", "vader"],
            "accuracy",
        ),
        (
            "classify",
            f"online_shopping 10 cats, names + 5 keywords{note}",
            ">= 0.75 macro-F1",
            [
                "classify",
                "--data",
                shop,
                "--text-col",
                "review",
                "--label-col",
                "cat",
                "--keywords",
                str(shop_kw),
                "--no-curve",
                *sample,
            ],
            "macro_f1",
        ),
        (
            "classify",
            f"online_shopping 10 cats, names + 5 examples{note}",
            ">= 0.75 macro-F1",
            [
                "classify",
                "--data",
                shop,
                "--text-col",
                "review",
                "--label-col",
                "cat",
                "--examples",
                "5",
                "--curve",
                "0,50,200,1000",
                *sample,
            ],
            "macro_f1",
        ),
        (
            "classify",
            "Banking77 test (3,080), 5 examples/intent from train",
            ">= 0.70 macro-F1",
            [
                "classify",
                "--data",
                bank_test,
                "--label-col",
                "category",
                "--examples",
                "5",
                "--train",
                bank_train,
                "--no-curve",
            ],
            "macro_f1",
        ),
        (
            "classify",
            "Banking77 test, 50 examples/intent (on the nodes, day one)",
            ">= 0.85 macro-F1",
            [
                "classify",
                "--data",
                bank_test,
                "--label-col",
                "category",
                "--examples",
                "50",
                "--train",
                bank_train,
                "--no-curve",
            ],
            "macro_f1",
        ),
        (
            "classify",
            "Banking77 test, 50 examples/intent (as corrections)",
            ">= 0.85 macro-F1",
            [
                "classify",
                "--data",
                bank_test,
                "--label-col",
                "category",
                "--examples",
                "50",
                "--train",
                bank_train,
                "--fit-examples",
                "--no-curve",
            ],
            "macro_f1",
        ),
        (
            "aspect",
            "MAMS-ACSA test per-topic sentiment (train as corrections)",
            "report",
            ["aspect", "--data", mams_test, "--train", mams_train, "--keywords", str(mams_kw)],
            "accuracy",
        ),
    ]
    # Self-training on the scored texts themselves (unlabelled, as a workspace's own feedback).
    plan.insert(
        4,
        (
            "classify",
            f"online_shopping 10 cats, names + 5 keywords + self-training{note}",
            ">= 0.75 macro-F1",
            [*plan[3][3], "--bootstrap"],
            "macro_f1",
        ),
    )
    bank5 = next(i for i, p in enumerate(plan) if p[1].startswith("Banking77 test (3,080)"))
    plan.insert(
        bank5 + 1,
        (
            "classify",
            "Banking77 test, 5 examples/intent + self-training",
            ">= 0.70 macro-F1",
            [*plan[bank5][3], "--bootstrap"],
            "macro_f1",
        ),
    )
    rows: list[tuple[str, str, str, str, str]] = []
    seen_data: set[str] = set()
    for group, figure, target, step_argv, key in plan:
        if group in skip:
            continue
        print(f"... {figure}", file=sys.stderr, flush=True)
        summary, report, seconds = run_eval(step_argv)
        if args.verbose:
            print(report)
        curve = ", ".join(
            f"{c['k']}:{c['accuracy' if key == 'accuracy' else 'macro_f1']:.3f}"
            for c in summary["curve"]
        )
        base = "; ".join(f"{name} {v['accuracy']:.3f}" for name, v in summary["baseline"].items())
        value = f"acc {summary['accuracy']:.3f} / F1 {summary['macro_f1']:.3f}"
        rate = summary["items_per_s"]
        reused = any(p in step_argv for p in seen_data) if group != "aspect" else False
        seen_data.update(p for p in step_argv if p.endswith((".csv", ".jsonl")))
        if reused:
            rate = None
        rows.append(
            (
                figure,
                target,
                value,
                f"{curve}" + (f" | {base}" if base else ""),
                f"{rate:.0f}/s, {seconds:.0f}s" if rate else f"{seconds:.0f}s",
            )
        )

    print("\nbench/eval_all.py — issue 3 figures (dev data in ../shared/data)")
    widths = [
        max(
            len(r[i])
            for r in [("figure", "target", "result", "curve k:score | baseline", "speed"), *rows]
        )
        for i in range(5)
    ]
    header = ("figure", "target", "result", "curve k:score | baseline", "speed")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print("snownlp was trained on part of these Chinese reviews: its figure is flattered.")

    for name, script, extra in (
        ("pipeline", "bench/pipeline.py", ["--n", "2000"]),
        ("dedupe", "bench/dedupe.py", ["--quick"]),
        ("topics", "bench/topics.py", []),
    ):
        if name in skip:
            continue
        print(f"\n--- {script} {' '.join(extra)}", flush=True)
        subprocess.run([sys.executable, str(ROOT / script), "--data", str(d), *extra], check=False)


if __name__ == "__main__":
    main()
