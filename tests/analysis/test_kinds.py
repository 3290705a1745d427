"""Type and urgency flags, zh + en."""

from __future__ import annotations

from voxloop.analysis import kinds, sentiment
from voxloop.analysis.embed import embed
from voxloop.analysis.types import Sentiment

NEG = Sentiment("negative", -0.8)
POS = Sentiment("positive", 0.8)
NEU = Sentiment("neutral", 0.0)


def test_types():
    assert kinds.rule_kind("请问什么时候发货？", NEU)[0] == "question"
    assert kinds.rule_kind("How do I change my address?", NEU)[0] == "question"
    assert kinds.rule_kind("建议增加夜间配送", NEU)[0] == "suggestion"
    assert kinds.rule_kind("It would be nice to have a dark mode", POS)[0] == "suggestion"
    assert kinds.rule_kind("太差了，再也不买了", NEG)[0] == "complaint"
    assert kinds.rule_kind("The staff were wonderful, thank you", POS)[0] == "praise"
    assert kinds.rule_kind("我买的是两件装", NEU)[0] == "other"
    assert kinds.rule_kind("", NEU) == ("other", 0.0)


def test_urgency_flags_with_evidence():
    cases = {
        "我要投诉到12315，再不处理就找律师": {"legal"},
        "退款！我要注销账号": {"churn"},
        "I will cancel my account and talk to my lawyer": {"churn", "legal"},
        "充电器冒烟了，差点起火": {"safety"},
        "再不解决我就发微博曝光你们": {"media"},
        "The heater caught fire in my kitchen": {"safety"},
        "Nice shoes": set(),
    }
    for text, expected in cases.items():
        flags, evidence = kinds.urgency(text)
        assert set(flags) == expected, text
        for span in evidence:
            assert text[span.start : span.end] == span.text and span.kind in expected


def test_fit_kinds_learns_a_workspace_type():
    texts = [
        "Order 1234 status",
        "订单 5678 状态",
        "Tracking for order 99",
        "I love the colours",
        "颜色很好看",
        "Great fit, thanks",
    ]
    labels = ["question", "question", "question", "praise", "praise", "praise"]
    vectors = embed(texts)
    sents = sentiment.score(texts, embeddings=vectors)
    model = kinds.fit_kinds(texts, labels, sents, embeddings=vectors)
    assert model is not None and model.trained_on == 6
    probe = ["Order 4321 status please", "订单 8888 状态"]
    pv = embed(probe)
    out = kinds.classify_kinds(
        probe, sentiment.score(probe, embeddings=pv), model=model, embeddings=pv
    )
    assert [k for k, _ in out] == ["question", "question"]
    copy = kinds.KindModel.from_bytes(model.to_bytes())
    assert copy.classes == model.classes
    assert kinds.fit_kinds(texts[:2], ["question"] * 2, sents[:2], embeddings=vectors[:2]) is None
