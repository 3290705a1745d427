"""The pipeline contract: one result per text, in order, never failing the batch."""

from __future__ import annotations

from voxloop.analysis.dedupe import DedupeIndex
from voxloop.analysis.pipeline import analyze


def test_one_result_per_text_in_order():
    texts = ["送货太慢了，等了两个小时", "The app keeps crashing", "🙂🙂🙂", ""]
    out = analyze(texts)
    assert len(out) == 4
    assert [r.language for r in out[:2]] == ["zh", "en"]
    assert out[2].junk.is_junk and out[3].junk.is_junk


def test_pii_redacted():
    out = analyze(["call me on 13812345678 or mail wang@example.com please"])[0]
    assert "13812345678" not in out.redacted and "[PHONE]" in out.redacted
    assert "[EMAIL]" in out.redacted
    assert {s.kind for s in out.pii} == {"phone", "email"}


def test_bad_items_never_fail_the_batch():
    weird = [
        "x" * 1_000_000,
        "\ud800 lone",
        "<b>html</b> <script>x()</script>",
        "\x00\x01\x02",
        "中文 mixed with English words here",
        None,
    ]  # type: ignore[list-item]
    out = analyze(weird)  # type: ignore[arg-type]
    assert len(out) == len(weird)
    assert out[2].text.startswith("html")


def test_duplicates_within_batch_and_against_history():
    history = DedupeIndex()
    first = analyze(["送货太慢了，等了整整两个小时才到"], history=history, keys=[101])
    assert first[0].duplicate_of is None
    again = analyze(
        ["送货太慢了！等了整整两个小时才到。", "completely different text here"],
        history=history,
        keys=[102, 103],
    )
    assert again[0].duplicate_of == 101 and again[0].similarity >= 0.85
    assert again[1].duplicate_of is None
    in_batch = analyze(["the same thing twice over", "the same thing twice over!"])
    assert in_batch[1].duplicate_of == 0


def test_everything_is_filled_and_per_topic_sentiment_follows_the_clause():
    from voxloop.analysis.types import Taxonomy, TaxonomyNode

    tax = Taxonomy(
        nodes=(
            TaxonomyNode("food", "菜品", "Food", keywords=("菜", "味道")),
            TaxonomyNode("delivery", "配送", "Delivery", keywords=("送", "骑手")),
        )
    )
    out = analyze(
        ["菜很好吃但是送得太慢了", "我要投诉到12315，退款！", "请问什么时候发货？"], taxonomy=tax
    )
    mixed = out[0]
    assert mixed.sentiment.mixed and mixed.keyphrases
    by_node = {h.node: h for h in mixed.topics}
    assert by_node["food"].sentiment.label == "positive"
    assert by_node["delivery"].sentiment.label == "negative"
    assert out[1].kind == "complaint" and {"legal", "churn"} <= set(out[1].urgency)
    assert out[2].kind == "question"


def test_one_bad_item_in_a_step_only_marks_itself(monkeypatch):
    from voxloop.analysis import sentiment

    real = sentiment.score

    def flaky(texts, **kw):
        if any("boom" in t for t in texts):
            raise RuntimeError("boom")
        return real(texts, **kw)

    monkeypatch.setattr(sentiment, "score", flaky)
    out = analyze(["boom goes the item", "the room was lovely and clean"])
    assert out[0].errors and out[0].errors[0].startswith("sentiment:")
    assert not out[1].errors and out[1].sentiment.label == "positive"


def test_workspace_model_round_trip():
    from voxloop.analysis.pipeline import WorkspaceModel
    from voxloop.analysis.sentiment import fit

    model = WorkspaceModel(sentiment=fit(["so sick", "sick board"], ["positive", "positive"]))
    copy = WorkspaceModel.from_bytes(model.to_bytes())
    assert copy.sentiment is not None and copy.sentiment.trained_on == 2
    assert copy.topics is None and copy.kinds is None
    assert len(analyze(["so sick"], model=copy)) == 1
