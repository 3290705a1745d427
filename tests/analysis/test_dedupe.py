"""Tests for voxloop.analysis.dedupe (hand-made examples only)."""

from __future__ import annotations

import pytest

from voxloop.analysis.dedupe import DedupeIndex, fingerprint, similarity

A = "这个产品质量很好，但是物流太慢了，等了一个星期才到。"
B = "The headphones sound great, but the battery dies after two hours."


def test_fingerprint() -> None:
    assert fingerprint("這個產品質量很好，物流太慢了！！") == "这个产品质量很好物流太慢了"
    assert fingerprint("  Great   PHONE!!! ") == "greatphone"
    assert fingerprint("") == ""


def test_similarity_definition() -> None:
    assert similarity(A, A) == 1.0
    assert similarity(A, "物流太慢了，等了一个星期才到，这个产品质量很好但是。") > 0.85
    assert similarity(A, "客服态度非常差，再也不会买了") < 0.5


def test_exact_and_near_duplicates() -> None:
    index = DedupeIndex()
    results = index.add_batch(
        [10, 11, 12, 13, 14, 15],
        [
            A,
            A + "!!!",  # punctuation only
            "这个产品质量很好，但是物流太慢啦，等了一个星期才到。",  # typo
            "這個產品質量很好，但是物流太慢了，等了一個星期才到。",  # traditional
            "这个产品质量真的很好，但是物流太慢了，等了一个星期才到。",  # insertion
            "客服态度非常差，问什么都不回答，再也不会买了。",  # different
        ],
    )
    assert results[0] is None
    assert results[1] == (10, 1.0)
    for r in results[2:5]:
        assert r is not None and r[0] == 10 and r[1] >= 0.85
    assert results[5] is None
    assert len(index) == 6


def test_english_near_duplicate_and_not_duplicate() -> None:
    index = DedupeIndex()
    index.add(1, B)
    hit = index.query("The headphones sound really great but the batery dies after two hours")
    assert hit is not None and hit[0] == 1
    assert index.query("The headphones look cheap and the cable broke in a week.") is None


def test_reordered_clauses() -> None:
    index = DedupeIndex()
    index.add(1, "包装很好，送货很快，味道也不错")
    hit = index.query("送货很快，味道也不错，包装很好")
    assert hit is not None and hit[0] == 1


def test_incremental_across_batches_and_earliest_key() -> None:
    index = DedupeIndex()
    assert index.add_batch([1, 2], [A, B]) == [None, None]
    second = index.add_batch(
        [3, 4],
        ["这个产品质量很好，但是物流太慢了，等了一个星期才到", "完全不一样的内容，讲的是售后服务"],
    )
    assert second[0] == (1, 1.0)
    assert second[1] is None
    third = index.add_batch([5], ["这个产品质量很好，但是物流太慢了!等了一个星期才到啊"])
    assert third[0] is not None and third[0][0] == 1
    # within one batch, a later text duplicates an earlier one from the same batch
    assert index.add_batch(
        [6, 7], ["全新的一条评论内容，比较长一点", "全新的一条评论内容，比较长一点。"]
    ) == [None, (6, 1.0)]


def test_query_exclude() -> None:
    index = DedupeIndex()
    index.add_batch([1, 2], [A, A])
    assert index.query(A) == (1, 1.0)
    assert index.query(A, exclude=1) == (2, 1.0)
    assert index.query("别的内容") is None


def test_empty_and_short_texts() -> None:
    index = DedupeIndex()
    assert index.add_batch([1, 2, 3, 4], ["", "！！！", "好评", "好评"]) == [
        None,
        None,
        None,
        (3, 1.0),
    ]
    assert index.query("差评") is None


def test_persistence_round_trip() -> None:
    index = DedupeIndex(threshold=0.8, num_perm=32)
    index.add_batch([1, 2, 3], [A, B, A])
    data = index.to_bytes()
    again = DedupeIndex.from_bytes(data)
    assert len(again) == 3
    assert again.threshold == 0.8 and again.num_perm == 32
    assert again.query("这个产品质量很好但是物流太慢啦，等了一个星期才到") == index.query(
        "这个产品质量很好但是物流太慢啦，等了一个星期才到"
    )
    assert again.add_batch([4], [B + " "]) == [(2, 1.0)]
    assert DedupeIndex.from_bytes(again.to_bytes()).to_bytes() == again.to_bytes()
    assert DedupeIndex.from_bytes(DedupeIndex().to_bytes()).query(A) is None


def test_from_bytes_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        DedupeIndex.from_bytes(b"not an index")
    data = DedupeIndex().to_bytes()
    with pytest.raises(ValueError):
        DedupeIndex.from_bytes(data + b"x")
