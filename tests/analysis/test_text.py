"""Tests for voxloop.analysis.text (hand-made examples only)."""

from __future__ import annotations

import random

from voxloop.analysis.text import clauses, detect_language, normalize, segment, to_simplified


def test_normalize_fullwidth_keeps_chinese_punctuation_and_emoji() -> None:
    assert normalize("ＡＢＣ１２３＠ｘ，好！真的吗？😀") == "ABC123@x，好！真的吗？😀"


def test_normalize_strips_html_and_unescapes() -> None:
    raw = "<div><b>物流</b>&amp;包装&nbsp;都好<script>alert('x')</script><!-- c --></div>"
    assert normalize(raw) == "物流&包装 都好"


def test_normalize_keeps_text_that_only_looks_like_markup() -> None:
    assert normalize("I <3 it, 3 < 5") == "I <3 it, 3 < 5"


def test_normalize_collapses_whitespace_and_controls() -> None:
    assert normalize("  a\x00b\x07 \t c\u200b\u3000d \r\n\n e ") == "ab c d\ne"


def test_normalize_drops_lone_surrogates_keeps_real_emoji() -> None:
    assert normalize("ok\ud800\udfff 👨\u200d👩\u200d👧") == "ok 👨\u200d👩\u200d👧"


def test_normalize_never_raises_on_garbage() -> None:
    rng = random.Random(3)
    junk = bytes(rng.randrange(256) for _ in range(200_000)).decode("latin-1")
    big = ("<p>好评&amp;" + "x" * 50 + "</p>\ud83d<!--") * 15_000  # ~1 MB
    for text in (junk, big, "<script>" * 10_000, "&#0;&#xd800;&#1114112;", "\ud800"):
        out = normalize(text)
        assert isinstance(out, str)
        out.encode("utf-8")  # no surrogates left
    assert len(normalize(big)) > 0


def test_detect_language() -> None:
    assert detect_language("物流太慢了") == "zh"
    assert detect_language("这个app很好用") == "zh"
    assert detect_language("Battery life is too short") == "en"
    assert detect_language("I love this 手机 but 电池 is bad") == "mixed"
    assert detect_language("12345 !!!") == "other"
    assert detect_language("") == "other"
    assert detect_language("Это очень хорошо") == "other"


def test_segment_chinese_english_and_mixed() -> None:
    assert "物流" in segment("物流太慢了，客服也不理人")
    assert segment("Great phone, but the BATTERY is weak!", "en") == [
        "great",
        "phone",
        "but",
        "the",
        "battery",
        "is",
        "weak",
    ]
    mixed = segment("这个iPhone的电池不行", "mixed")
    assert "iphone" in mixed and "电池" in mixed
    assert all(t.strip() and t not in "，。！" for t in segment("好！！，。 不错"))


def test_segment_userdict_is_honoured_and_does_not_leak() -> None:
    text = "这款降噪耳机的续航一般"
    assert "降噪耳机" not in segment(text)
    assert "降噪耳机" in segment(text, userdict=["降噪耳机"])
    assert "降噪耳机" not in segment(text)  # the base tokenizer is unchanged
    assert "降噪耳机" not in segment(text, userdict=["续航"])


def test_clauses_split_on_contrast_in_chinese() -> None:
    text = "菜很好吃但是送得太慢了"
    spans = clauses(text)
    assert [s.text for s in spans] == ["菜很好吃", "但是送得太慢了"]
    assert all(text[s.start : s.end] == s.text and s.kind == "clause" for s in spans)


def test_clauses_punctuation_and_english() -> None:
    assert [s.text for s in clauses("挺好的，就是有点贵。")] == ["挺好的", "就是有点贵"]
    assert [s.text for s in clauses("Great food, however the service was slow")] == [
        "Great food",
        "however the service was slow",
    ]
    assert [s.text for s in clauses("不但便宜而且好用")] == ["不但便宜而且好用"]
    assert clauses("") == []


def test_to_simplified() -> None:
    assert to_simplified("這個產品質量很好，物流太慢了") == "这个产品质量很好，物流太慢了"
    assert to_simplified("已经是简体") == "已经是简体"
    assert to_simplified("plain ascii") == "plain ascii"
