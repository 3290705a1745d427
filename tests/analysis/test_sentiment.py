"""Sentiment: labels, scores, evidence, mixed feedback, per-span scoring and learning."""

from __future__ import annotations

import numpy as np

from voxloop.analysis import sentiment
from voxloop.analysis.embed import embed
from voxloop.analysis.types import Sentiment, Span


def test_clear_cases_in_both_languages():
    texts = [
        "服务态度非常好，下次还会再来",
        "质量太差了，用了两天就坏了，很失望",
        "The staff were lovely and the room was spotless",
        "Terrible support, I waited an hour and nobody answered",
    ]
    out = sentiment.score(texts)
    assert [s.label for s in out] == ["positive", "negative", "positive", "negative"]
    assert out[0].score > 0.3 and out[1].score < -0.3
    assert all(-1.0 <= s.score <= 1.0 for s in out)
    assert "差" in "".join(e.text for e in out[1].evidence)


def test_negation_and_degree():
    lex = sentiment.lexicon_score
    assert lex("不好").score < 0 < lex("好").score
    assert lex("不贵").score > 0 > lex("贵").score
    assert lex("非常好").score > lex("好").score
    assert lex("有点贵").score > lex("太贵").score
    assert lex("好像坏了").score < 0  # 好像 is not 好


def test_mixed_feedback_and_evidence_spans():
    text = "菜很好吃但是送得太慢了"
    (result,) = sentiment.score([text])
    assert result.mixed
    kinds = {e.kind for e in result.evidence}
    assert kinds == {"positive", "negative"}
    for e in result.evidence:
        assert text[e.start : e.end] == e.text
    (en,) = sentiment.score(["The food was great but the service was awful"])
    assert en.mixed


def test_per_span_sentiment_of_a_mixed_text():
    text = "菜很好吃但是送得太慢了"
    item = Sentiment("neutral", 0.0)
    food = sentiment.score_spans(text, [Span(0, 4, "clause", text[:4])], item)
    delivery = sentiment.score_spans(text, [Span(4, len(text), "clause", text[4:])], item)
    assert food.label == "positive" and delivery.label == "negative"
    # no sentiment word in the span: the item's own answer is used
    other = sentiment.score_spans("我昨天买的", [Span(0, 5, "clause", "我昨天买的")], item)
    assert other.label == "neutral"


def test_empty_and_neutral_questions():
    out = sentiment.score(["", "请问什么时候发货？", "When will my order ship?"])
    assert out[0].label == "neutral" and out[0].score == 0.0
    assert out[1].label != "negative" or out[1].score > -0.5


def test_fit_learns_from_corrections_and_round_trips():
    # Domain slang the default reads wrongly: "sick"/"炸裂" used as praise.
    texts = [
        "this board is sick",
        "sick tricks on this deck, so sick",
        "the new wheels are sick",
        "味道炸裂",
        "效果炸裂",
        "颜值炸裂",
        "the deck snapped in a week",
        "轮子一周就坏了",
    ]
    labels = ["positive"] * 6 + ["negative"] * 2
    vectors = embed(texts)
    model = sentiment.fit(texts, labels, embeddings=vectors)
    assert model.trained_on == 8 and model.version != "default"
    before = sentiment.score(texts, embeddings=vectors)
    after = sentiment.score(texts, model=model, embeddings=vectors)
    right_before = sum(s.label == y for s, y in zip(before, labels, strict=True))
    right_after = sum(s.label == y for s, y in zip(after, labels, strict=True))
    assert right_after >= right_before and right_after >= 7
    copy = sentiment.SentimentModel.from_bytes(model.to_bytes())
    again = sentiment.score(texts, model=copy, embeddings=vectors)
    assert [s.label for s in again] == [s.label for s in after]
    assert np.allclose([s.score for s in again], [s.score for s in after], atol=1e-3)


def test_default_head_is_small_and_documented():
    assert sentiment.HEAD_FILE.stat().st_size < 64_000
    assert "Apache-2.0" in (sentiment.__doc__ or "") and "MAMS" in (sentiment.__doc__ or "")
