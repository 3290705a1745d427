"""`voxloop eval`: metrics, the report and every step on small files we write ourselves."""

from __future__ import annotations

import json

import pytest

from voxloop.analysis import evaluate


def test_metrics():
    r = evaluate.score_labels(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert r.accuracy == 0.75
    p, rec, f1, support = r.per_class["a"]
    assert (p, rec, support) == (1.0, 0.5, 2) and round(f1, 4) == 0.6667
    assert r.confusion == [[1, 1], [0, 2]]
    assert round(r.macro_f1, 4) == round((0.6667 + 0.8) / 2, 4)


def _csv(tmp_path, rows, header=("text", "label")):
    path = tmp_path / "data.csv"
    lines = [",".join(header)] + [",".join(f'"{c}"' for c in row) for row in rows]
    path.write_text("\ufeff" + "\n".join(lines), encoding="utf-8")
    return path


SENT = [
    ("服务很好，非常满意", "1"),
    ("质量太差了，很失望", "0"),
    ("Great value, would buy again", "1"),
    ("It broke after one day", "0"),
    ("房间干净，位置方便", "1"),
    ("等了两个小时还没到", "0"),
] * 10


def test_sentiment_step_prints_everything(tmp_path, capsys):
    path = _csv(tmp_path, SENT)
    assert (
        evaluate.main(
            [
                "sentiment",
                "--data",
                str(path),
                "--curve",
                "0,10,20",
                "--baseline",
                "vader",
                "--json",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for part in ("accuracy=", "macro-F1=", "items/s", "confusion", "learning curve", "vader"):
        assert part in out
    summary = json.loads(out.split("JSON ", 1)[1])
    assert summary["n"] == 60 and summary["accuracy"] >= 0.8
    assert [c["k"] for c in summary["curve"]] == [0, 10]  # k=20 leaves fewer than 50 to score


def test_classify_step_with_examples(tmp_path, capsys):
    rows = []
    for i in range(8):
        rows += [
            (f"快递第{i}天才送到，物流太慢", "物流"),
            (f"The parcel took {i + 3} days to arrive", "物流"),
            (f"衣服尺码偏小，第{i}次买了", "尺码"),
            (f"The shirt size {i} runs small", "尺码"),
        ]
    path = _csv(tmp_path, rows)
    evaluate.main(["classify", "--data", str(path), "--examples", "2", "--no-curve", "--json"])
    summary = json.loads(capsys.readouterr().out.split("JSON ", 1)[1])
    assert summary["n"] == 28 and summary["macro_f1"] >= 0.8


def test_kind_aspect_and_dedupe_steps(tmp_path, capsys):
    kinds_path = _csv(
        tmp_path,
        [
            ("请问什么时候发货？", "question"),
            ("建议增加夜间配送", "suggestion"),
            ("太差了，要退款", "complaint"),
            ("非常好，谢谢", "praise"),
        ]
        * 3,
    )
    evaluate.main(["kind", "--data", str(kinds_path), "--no-curve", "--json"])
    assert json.loads(capsys.readouterr().out.split("JSON ", 1)[1])["accuracy"] >= 0.75

    aspect = tmp_path / "aspect.jsonl"
    rows = [
        {
            "text": "The food was great but the service was awful.",
            "aspect_categories": [
                {"category": "food", "polarity": "positive"},
                {"category": "service", "polarity": "negative"},
            ],
        },
        {
            "text": "Lovely food, rude service.",
            "aspect_categories": [
                {"category": "food", "polarity": "positive"},
                {"category": "service", "polarity": "negative"},
            ],
        },
    ]
    aspect.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    evaluate.main(["aspect", "--data", str(aspect), "--json"])
    assert json.loads(capsys.readouterr().out.split("JSON ", 1)[1])["accuracy"] >= 0.75

    dup = _csv(
        tmp_path,
        [
            ("送货太慢了，等了整整两个小时才到", "g1"),
            ("送货太慢了！等了整整两个小时才到。", "g1"),
            ("completely different text about shoes", "g2"),
        ],
    )
    evaluate.main(["dedupe", "--data", str(dup), "--json"])
    assert json.loads(capsys.readouterr().out.split("JSON ", 1)[1])["accuracy"] == 1.0


def test_bad_input_names_the_problem(tmp_path):
    path = _csv(tmp_path, SENT[:2])
    with pytest.raises(SystemExit, match="no column 'review'"):
        evaluate.main(["sentiment", "--data", str(path), "--text-col", "review"])
    bad = _csv(tmp_path, [("ok", "maybe")])
    with pytest.raises(SystemExit, match="unknown sentiment label"):
        evaluate.main(["sentiment", "--data", str(bad)])
    with pytest.raises(SystemExit):
        evaluate.main(["sentiment", "--data", str(tmp_path / "missing.csv")])


def test_stratified_sample_keeps_shares():
    pairs = [(str(i), "a") for i in range(90)] + [(str(i), "b") for i in range(10)]
    sample = evaluate.stratified_sample(pairs, 20, seed=1)
    assert len(sample) == 20 and sum(y == "b" for _, y in sample) == 2
