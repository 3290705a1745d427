"""Keyphrases per item and per group, on Chinese and English text we wrote."""

from __future__ import annotations

import time

from voxloop.analysis import keyphrases


def test_chinese_item_keyphrases_are_noun_and_adjective_phrases() -> None:
    [phrases] = keyphrases.extract(["物流很快，包装也很好，手机屏幕很清晰，就是电池不耐用。"])
    assert "手机屏幕" in phrases
    assert "电池不耐用" in phrases
    assert any(p.startswith("物流") for p in phrases)
    for phrase in phrases:
        assert phrase not in keyphrases.ZH_STOPWORDS
        assert not any(ch in phrase for ch in "，。！？,.!? ")


def test_english_item_keyphrases_are_multiword_without_stopwords() -> None:
    [phrases] = keyphrases.extract(
        ["The delivery was late and the customer service never answered my emails."]
    )
    assert "customer service" in phrases
    assert "delivery" in phrases
    for phrase in phrases:
        words = phrase.split()
        assert words[0] not in keyphrases.EN_STOPWORDS
        assert words[-1] not in keyphrases.EN_STOPWORDS


def test_top_k_order_and_overlap() -> None:
    [phrases] = keyphrases.extract(["客服态度很差，退款申请三天没人处理，卖家也不发货"], top_k=3)
    assert 1 <= len(phrases) <= 3
    for i, a in enumerate(phrases):
        for b in phrases[i + 1 :]:
            assert a not in b and b not in a


def test_bad_input_gives_empty_lists() -> None:
    texts = ["", "   ", "😀😀😀", "，。！？", "的了吗呢", "<p>&nbsp;</p>", "x" * 100_000]
    result = keyphrases.extract(texts)
    assert len(result) == len(texts)
    assert result[:6] == [[], [], [], [], [], []]


def test_userdict_keeps_a_domain_term_whole() -> None:
    text = "新款扫地机器人吸力不够"
    with_dict = keyphrases.extract([text], userdict=["扫地机器人"])[0]
    assert any("扫地机器人" in p for p in with_dict)


def test_group_keyphrases_rank_what_sets_the_group_apart() -> None:
    group = [
        "快递太慢了，等了一个星期",
        "快递慢，包装也破了",
        "快递速度太慢",
        "物流太慢，快递员态度差",
        "快递一直不到，太慢了",
    ]
    background = (
        group
        + [
            "衣服质量很好，面料舒服",
            "质量不错，颜色好看",
            "尺码偏小，质量一般",
            "面料很舒服，款式好看",
            "颜色和图片一样，质量好",
        ]
        * 3
    )
    weighted = keyphrases.for_group(group, top_k=5, background=background)
    assert any(p.startswith("快递") for p, _ in weighted[:2])
    assert weighted[0][1] == 1.0
    assert all(0 < w <= 1 for _, w in weighted)
    assert [w for _, w in weighted] == sorted((w for _, w in weighted), reverse=True)
    assert not any("质量" in p or "面料" in p for p, _ in weighted)


def test_group_keyphrases_without_background_and_empty() -> None:
    weighted = keyphrases.for_group(
        ["battery life is too short", "short battery life", "battery drains fast"], top_k=3
    )
    assert weighted and "battery" in weighted[0][0]
    assert keyphrases.for_group([], top_k=3) == []


def test_throughput_short_texts() -> None:
    base = [
        "物流很快，包装很好",
        "客服态度差，不给退款",
        "屏幕清晰，电池耐用",
        "Great app, fast delivery",
    ]
    texts = [f"{t}{i}" for i in range(500) for t in base]  # distinct texts
    keyphrases.extract(texts[:10])
    start = time.perf_counter()
    keyphrases.extract(texts)
    rate = len(texts) / (time.perf_counter() - start)
    assert rate > 500  # ~3,500/s measured; loose bound for a shared, noisy 2-core machine
