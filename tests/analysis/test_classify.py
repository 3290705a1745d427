"""Taxonomy classification: keywords, prototypes (cross-lingual), hierarchy, learning."""

from __future__ import annotations

from voxloop.analysis import classify
from voxloop.analysis.types import Taxonomy, TaxonomyNode

TAX = Taxonomy(
    nodes=(
        TaxonomyNode("d", "配送", "Delivery", keywords=("快递", "courier", "送货")),
        TaxonomyNode("d-pack", "包装", "Packaging", parent="d", keywords=("包装", "box")),
        TaxonomyNode("d-pack-tape", "胶带", "Tape", parent="d-pack", keywords=("胶带",)),
        TaxonomyNode(
            "pay",
            "支付",
            "Payment",
            examples=("付款失败，扣了钱订单却没有生成", "My card was charged twice"),
        ),
        TaxonomyNode("re", "退款", "Refund", keywords=("re:退(款|钱)",)),
    ),
    version="t1",
)


def _nodes(hits):
    return [h.node for h in hits]


def test_keyword_hits_with_evidence_and_parents():
    text = "快递很快，但是包装的胶带破了"
    (hits,) = classify.classify([text], TAX)
    nodes = _nodes(hits)
    assert {"d", "d-pack", "d-pack-tape"} <= set(nodes)
    tape = next(h for h in hits if h.node == "d-pack-tape")
    assert tape.source == "keyword" and 0 < tape.confidence <= 1
    clause = next(s for s in tape.evidence if s.kind == "clause")
    assert "胶带" in clause.text and text[clause.start : clause.end] == clause.text
    (regex,) = classify.classify(["怎么还没退钱"], TAX)
    assert "re" in _nodes(regex)


def test_examples_match_across_languages():
    (hits,) = classify.classify(["I paid but the payment failed and no order was created"], TAX)
    assert hits and hits[0].node == "pay" and hits[0].source in ("example", "keyword")
    (none,) = classify.classify(["今天天气不错"], TAX)
    assert "pay" not in _nodes(none)


def test_no_taxonomy_or_empty_text():
    assert classify.classify(["hello"], None) == [[]]
    assert classify.classify([""], TAX) == [[]]
    assert classify.classify([], TAX) == []


def test_fit_topics_is_versioned_and_changes_answers():
    tax = Taxonomy(
        nodes=(
            TaxonomyNode("a", "甲组", "Team A"),
            TaxonomyNode("b", "乙组", "Team B"),
        ),
        version="t2",
    )
    texts = [
        "the invoice has the wrong address",
        "I need a VAT invoice",
        "发票开错了",
        "receipt is missing the tax number",
        "the app crashes on start",
        "login button does nothing",
        "应用一打开就闪退",
        "password reset email never comes",
        "invoice total is wrong",
        "app freezes on the payment screen",
    ]
    labels = [["a"]] * 4 + [["b"]] * 4 + [["a"], ["b"]]
    model = classify.fit_topics(texts, labels, tax)
    assert model.trained_on == 10 and model.version.startswith("t10-")
    assert model.heldout_accuracy is not None
    hits = classify.classify(["请给我开一张发票", "the app crashed again"], tax, model=model)
    assert _nodes(hits[0])[:1] == ["a"] and _nodes(hits[1])[:1] == ["b"]
    assert hits[0][0].source == "model"
    copy = classify.TopicModel.from_bytes(model.to_bytes())
    assert copy.version == model.version and copy.keys == ["a", "b"]
    assert classify.top_node(["发票抬头错了"], tax, model=copy) == ["a"]


def test_bootstrap_self_trains_from_unlabelled_feedback():
    import numpy as np

    from voxloop.analysis.embed import embed

    tax = Taxonomy(
        nodes=(
            TaxonomyNode("ship", "物流", "Shipping", keywords=("快递", "物流")),
            TaxonomyNode("size", "尺码", "Size", keywords=("尺码", "偏小")),
        )
    )
    texts = [f"快递{i}天才到，物流太慢" for i in range(10)] + [
        f"尺码偏小，第{i}件又要换" for i in range(10)
    ]
    texts += ["包裹在路上走了一个星期", "衣服穿着太紧了"]
    vectors = embed(texts)
    model = classify.bootstrap(texts, tax, embeddings=vectors)
    assert model is not None and model.trained_on == 0 and model.version.startswith("bootstrap-")
    assert classify.top_node(texts[-2:], tax, model=model, embeddings=vectors[-2:]) == [
        "ship",
        "size",
    ]
    assert classify.bootstrap(texts[:5], tax, embeddings=vectors[:5]) is None
    assert np.isfinite(model.coef).all()


def test_example_phrases_train_a_model_before_any_correction():
    """Examples on nodes teach a model on day one; nodes without examples are never vetoed."""
    none_yet = Taxonomy(nodes=(TaxonomyNode("a", "甲", "A", examples=("the app crashes",)),))
    assert classify.examples_model(none_yet) is None  # one node with examples is not enough

    taxonomy = Taxonomy(
        nodes=(
            TaxonomyNode("app", "应用", "App"),
            TaxonomyNode(
                "app-crash",
                "闪退",
                "Crashes",
                parent="app",
                examples=("the app crashes when I open it", "应用一打开就闪退", "it keeps closing"),
            ),
            TaxonomyNode(
                "pay",
                "支付",
                "Payment",
                examples=("my card was charged twice", "付款失败了", "payment did not go through"),
            ),
            TaxonomyNode("ship", "物流", "Shipping", keywords=("快递", "courier")),
        )
    )
    built = classify.examples_model(taxonomy)
    assert built is not None
    model, known = built
    assert model.trained_on == 0 and model.version.startswith("examples-")
    assert dict(zip(model.keys, known.tolist(), strict=True)) == {
        "app": True,  # the parent of a node with examples
        "app-crash": True,
        "pay": True,
        "ship": False,
    }
    assert classify.examples_model(taxonomy) is built  # cached per taxonomy content

    hits = classify.classify(
        ["the application shut down by itself twice today", "courier lost my parcel"], taxonomy
    )
    assert "app-crash" in _nodes(hits[0]) and "pay" not in _nodes(hits[0])
    assert "ship" in _nodes(hits[1])  # keyword node untouched by the examples model
