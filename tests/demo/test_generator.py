"""The demo generator: deterministic, realistic enough, and telling its three stories."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from voxloop.analysis import clean
from voxloop.analysis.dedupe import DedupeIndex
from voxloop.analysis.text import normalize
from voxloop.demo import stories
from voxloop.demo.customers import SEGMENTS
from voxloop.demo.generator import DemoData, generate
from voxloop.demo.taxonomy import TAXONOMY, keys, walk

NOW = datetime(2026, 11, 23, 7, 50, tzinfo=UTC)
N = 3_000


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(N, seed=11, now=NOW)


def _days_ago(data: DemoData, when: datetime) -> float:
    return (data.now - when).total_seconds() / 86_400


def test_same_seed_same_feedback_and_another_seed_differs() -> None:
    a = generate(300, seed=3, now=NOW)
    b = generate(300, seed=3, now=NOW)
    c = generate(300, seed=4, now=NOW)
    assert [i.payload() for i in a.items] == [i.payload() for i in b.items]
    assert [c.external_id for c in a.customers] == [c.external_id for c in b.customers]
    assert [i.text for i in a.items] != [i.text for i in c.items]


def test_counts_channels_segments_and_languages(data: DemoData) -> None:
    assert len(data.items) == N
    assert len(data.customers) == 1_500
    assert data.customers[233].external_id == "M100234"  # the README's curl example
    assert {i.channel for i in data.items} == {slug for slug, _, _ in stories.CHANNELS}
    by_id = {c.external_id: c for c in data.customers}
    segments = Counter(by_id[i.customer].segment for i in data.items if i.customer)
    assert set(segments) == set(SEGMENTS)
    languages = Counter(i.language for i in data.items)
    assert set(languages) == {"zh", "en"}
    assert 0.58 <= languages["zh"] / N <= 0.72
    assert not any(i.customer for i in data.items if i.channel == "weibo")


def test_dates_cover_90_days_and_none_in_the_future(data: DemoData) -> None:
    times = [i.occurred_at for i in data.items]
    assert max(times) <= NOW
    assert min(times) >= NOW - timedelta(days=90)
    assert min(times) <= NOW - timedelta(days=88)
    assert [i.occurred_at for i in data.items] == sorted(times)


def test_lunch_and_dinner_peaks_and_busier_weekends(data: DemoData) -> None:
    tz = ZoneInfo(stories.TIMEZONE)
    hours = Counter(i.occurred_at.astimezone(tz).hour for i in data.items)
    night = hours[2] + hours[3] + hours[4]
    assert hours[12] > 3 * hours[15] / 2 and hours[19] > 3 * hours[15] / 2
    assert hours[12] > 10 * night / 3 and hours[19] > 10 * night / 3
    early = [i for i in data.items if _days_ago(data, i.occurred_at) > 35]  # before the stories
    days = Counter(i.occurred_at.astimezone(tz).weekday() for i in early)
    assert days[5] + days[6] > (days[0] + days[1]) * 1.1


def test_ratings_in_range_and_following_the_text(data: DemoData) -> None:
    nps = {"pos": [], "neg": []}
    for item in data.items:
        assert item.nps is None or 0 <= item.nps <= 10
        assert item.csat is None or 1 <= item.csat <= 5
        assert item.stars is None or 1 <= item.stars <= 5
        if item.nps is not None and item.mood in nps and not item.mixed:
            nps[item.mood].append(item.nps)
    assert any(i.nps is not None for i in data.items if i.channel == "nps-survey")
    assert all(i.csat is not None for i in data.items if i.channel == "delivery-csat")
    assert statistics.mean(nps["pos"]) >= 8.5 > 5 >= statistics.mean(nps["neg"])


def _late_per_week(data: DemoData, channel: str | None = None) -> list[int]:
    weeks = [0] * 13
    for item in data.items:
        late = item.theme == "delivery.late" and item.mood == "neg"
        if late and (channel is None or item.channel == channel):
            weeks[int(_days_ago(data, item.occurred_at) // 7)] += 1
    return weeks  # weeks[0] is the last seven days


def test_the_delivery_problem_grows_from_week_ten_and_spikes(data: DemoData) -> None:
    weeks = _late_per_week(data)
    before = statistics.median(weeks[4:12])
    assert weeks[3] < weeks[2] < weeks[1] < weeks[0]
    assert weeks[0] > 5 * before
    last3 = sum(1 for i in data.items if i.story == "late" and _days_ago(data, i.occurred_at) < 3)
    prior3 = sum(
        1 for i in data.items if i.story == "late" and 3 <= _days_ago(data, i.occurred_at) < 6
    )
    assert last3 > 1.8 * prior3


def test_the_delivery_problem_surges_in_the_hours_before_now(data: DemoData) -> None:
    # counted back from the moment of generation, so detection sees a fresh surge whenever
    # the demo is made; compared with the same hours of the day before (same meal peaks)
    surge = stories.SURGE_HOURS / 24

    def late(lo: float, hi: float) -> int:
        return sum(
            1 for i in data.items if i.story == "late" and lo <= _days_ago(data, i.occurred_at) < hi
        )

    assert late(0, surge) > 3 * late(1, 1 + surge)


def test_the_delivery_problem_spreads_across_channels_and_pulls_nps_down(data: DemoData) -> None:
    def first_day(channel: str) -> float:
        return max(
            _days_ago(data, i.occurred_at)
            for i in data.items
            if i.story == "late" and i.channel == channel
        )

    assert first_day("app-reviews") > first_day("weibo") > first_day("email")

    def nps(lo: float, hi: float) -> float:
        scores = [
            i.nps
            for i in data.items
            if i.nps is not None and lo <= _days_ago(data, i.occurred_at) < hi
        ]
        return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)

    assert nps(0, 7) < nps(35, 90) - 10
    assert nps(0, 7) < nps(7, 14) - 10  # the "NPS down ≥ 10 points week over week" preset


def test_the_packaging_theme_appears_only_in_the_last_two_weeks(data: DemoData) -> None:
    leaks = [i for i in data.items if i.theme == "packaging.leak"]
    assert len(leaks) > 30
    assert all(_days_ago(data, i.occurred_at) <= 14 for i in leaks)
    assert "packaging.leak" not in keys()
    words = ("包装", "餐盒", "漏汤", "leak", "container", "packag")
    for node, _, _ in walk():
        terms = " ".join((node.name_zh, node.name_en, *node.keywords)).lower()
        assert not any(w in terms for w in words), node.key


def test_payment_complaints_fall_after_the_fix(data: DemoData) -> None:
    fix = stories.DAYS - 1 - stories.FIX_DAY  # days ago

    def share(lo: float, hi: float) -> float:
        """Payment complaints as a share of all feedback (volume grows over the 90 days)."""
        window = [i for i in data.items if lo <= _days_ago(data, i.occurred_at) < hi]
        hits = [i for i in window if i.story == "payment" and i.mood == "neg"]
        return len(hits) / len(window)

    assert share(0, fix - 5) < share(fix + 1, 89) / 3
    praise = [i for i in data.items if i.story == "payment" and i.mood == "pos"]
    assert praise and statistics.median(_days_ago(data, i.occurred_at) for i in praise) < fix


def test_texts_are_distinct_except_the_planned_duplicates(data: DemoData) -> None:
    originals = [i for i in data.items if i.duplicate_of is None]
    assert len({i.text for i in originals}) == len(originals)
    reposts = [i for i in data.items if i.duplicate_of is not None]
    assert 0.01 * N <= len(reposts) <= 0.03 * N
    for item in reposts:
        first = data.items[item.duplicate_of]
        assert first.occurred_at < item.occurred_at and first.channel == item.channel
    # Near duplicates (as the analysis sees them) are the planned ones, apart from spam.
    index = DedupeIndex()
    real = [i for i in data.items if i.mood != "junk"]
    found = index.add_batch([i.index for i in real], [normalize(i.text) for i in real])
    unplanned = [i for i, hit in zip(real, found, strict=True) if hit and i.duplicate_of is None]
    assert len(unplanned) <= 0.005 * N


def test_pii_mixed_feelings_junk_questions_and_suggestions_are_present(data: DemoData) -> None:
    with_pii = [i for i in data.items if i.has_pii]
    assert len(with_pii) > 0.01 * N
    assert all(clean.find_pii(normalize(i.text)) for i in with_pii)
    mixed = [i for i in data.items if i.mixed]
    assert len(mixed) > 0.03 * N
    assert any("但是" in i.text or "可是" in i.text for i in mixed)
    assert any(" but " in i.text for i in mixed)
    kinds = Counter(i.kind for i in data.items)
    assert {"complaint", "praise", "question", "suggestion", "other"} <= set(kinds)
    junk = [i for i in data.items if i.mood == "junk"]
    assert 0.005 * N < len(junk) < 0.03 * N
    assert any("😡" in i.text or "👍" in i.text or "😋" in i.text for i in data.items)


def test_taxonomy_has_three_levels_with_names_keywords_and_examples() -> None:
    nodes = walk()
    assert len(TAXONOMY) >= 7
    assert max(level for _, level, _ in nodes) == 3
    for node, _, _ in nodes:
        assert node.name_zh and node.name_en and node.keywords, node.key
        assert 2 <= len(node.examples) <= 5, node.key
    themes = {i.theme for i in generate(600, seed=1, now=NOW).items if i.theme}
    assert themes - keys() <= {"packaging.leak", "general"}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 50"):
        generate(10, seed=1, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(100, seed=1, now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_the_packaging_theme_more_than_doubles_in_its_second_week(data: DemoData) -> None:
    ages = [_days_ago(data, i.occurred_at) for i in data.items if i.theme == "packaging.leak"]
    last_week = sum(a < 7 for a in ages)
    week_before = sum(7 <= a < 14 for a in ages)
    assert last_week >= 2 * week_before > 0
