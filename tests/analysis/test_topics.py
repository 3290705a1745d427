"""Theme discovery on small sets we wrote, with planted clusters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from voxloop.analysis import topics

DELIVERY = [
    "快递太慢了，等了一个星期才到",
    "物流太慢，快递一直不更新",
    "快递员态度差，送货太慢",
    "发货速度太慢了，催了好几次",
    "物流速度慢，包裹晚到三天",
    "快递送得太慢，下次不买了",
    "送货太慢了，快递一直显示在路上",
    "物流慢得离谱，快递五天还没到",
    "The delivery took two weeks, courier was very slow",
    "Shipping was slow and the parcel arrived late",
]
APP = [
    "app一打开就闪退，根本用不了",
    "更新以后app总是闪退",
    "登录不了，app一直报错",
    "软件闪退，登录界面卡死",
    "新版本app卡顿严重，经常闪退",
    "app登录失败，验证码收不到",
    "手机上app打不开，一直闪退",
    "升级之后软件崩溃，无法登录",
    "The app crashes every time I open it",
    "Cannot log in, the app keeps crashing after the update",
]
FOOD = [
    "菜很好吃，味道正宗，分量足",
    "味道不错，菜品新鲜，分量也够",
    "这家店的菜好吃，口味很地道",
    "饭菜味道很好，还会再点",
    "口味很棒，菜量足，价格实惠",
    "味道一般，菜有点咸",
    "菜太辣了，味道偏重",
    "汤很好喝，菜也新鲜好吃",
    "The food was delicious and the portions were generous",
    "Tasty dishes, fresh ingredients, great flavour",
]


def _purity(themes: list[topics.Theme], planted: list[range]) -> float:
    best = 0
    for group in planted:
        overlaps = [len(set(t.members) & set(group)) for t in themes]
        best += max(overlaps, default=0)
    return best / sum(len(g) for g in planted)


def test_planted_themes_are_found_and_labelled() -> None:
    texts = DELIVERY + APP + FOOD
    themes = topics.discover(texts, min_size=4)
    planted = [range(0, 10), range(10, 20), range(20, 30)]
    assert 2 <= len(themes) <= 5
    assert _purity(themes, planted) >= 0.8
    labels = " ".join(t.label + " " + " ".join(t.keyphrases) for t in themes)
    assert "快递" in labels or "物流" in labels
    assert "闪退" in labels or "app" in labels
    for theme in themes:
        assert theme.size == len(theme.members) >= 4
        assert set(theme.representatives) <= set(theme.members)
        assert 0 < theme.cohesion <= 1
        assert theme.growth is None
        assert len(theme.centroid) == 512


def _planted_vectors(rng: np.random.Generator, sizes: list[int], spread: float) -> np.ndarray:
    centres = rng.normal(size=(len(sizes), 64))
    rows = [centres[k] + spread * rng.normal(size=(n, 64)) for k, n in enumerate(sizes)]
    vectors = np.vstack(rows)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_clusters_in_given_embeddings_and_growth() -> None:
    rng = np.random.default_rng(0)
    sizes = [40, 25, 12]
    vectors = _planted_vectors(rng, sizes, spread=0.3)
    texts = ["第一类反馈"] * 40 + ["第二类反馈"] * 25 + ["第三类反馈"] * 12
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Theme 3 only appears in the last days: it is the growing one.
    stamps = [start + timedelta(hours=i) for i in range(65)]
    stamps += [start + timedelta(hours=60 + i) for i in range(12)]
    themes = topics.discover(texts, embeddings=vectors, timestamps=stamps, min_size=5)
    assert sorted(t.size for t in themes) == sorted(sizes)
    by_size = {t.size: t for t in themes}
    assert set(by_size[12].members) == set(range(65, 77))
    assert by_size[12].growth is not None and by_size[12].growth > 1.0
    assert by_size[40].growth is not None and by_size[40].growth < 0.5
    centroids = [t.centroid for t in themes]
    assigned = topics.assign(vectors[[0, 50, 70]], centroids)
    assert [themes[j].size if j is not None else None for j in assigned] == [40, 25, 12]
    far = -np.asarray(centroids[0])[None, :]
    assert topics.assign(far, centroids, min_similarity=0.9) == [None]


def test_small_and_bad_input() -> None:
    assert topics.discover([]) == []
    assert topics.discover(["只有一条"], embeddings=np.ones((1, 8))) == []
    zeros = np.zeros((20, 8))
    assert topics.discover([""] * 20, embeddings=zeros) == []
    with pytest.raises(ValueError, match="embeddings"):
        topics.discover(["a", "b"], embeddings=np.ones((3, 8)))
    with pytest.raises(ValueError, match="timestamps"):
        topics.discover(["a", "b"], embeddings=np.ones((2, 8)), timestamps=[1.0])
    assert topics.assign(np.ones((2, 4)), []) == [None, None]
