"""KPI maths against figures computed by hand (formulas written out in each test)."""

from __future__ import annotations

import math

import pytest

from voxloop.analysis import metrics

Z = 1.959963984540054


def test_nps_value_and_multinomial_interval():
    # 50 promoters, 30 passives, 20 detractors: NPS = 100 * (0.5 - 0.2) = 30.
    # var = (pP + pD - (pP - pD)^2) / n = (0.7 - 0.09) / 100 = 0.0061 -> se = 7.8102 points.
    est = metrics.nps(50, 30, 20)
    assert est.value == pytest.approx(30.0)
    assert est.low == pytest.approx(30 - Z * 7.810249675906654)
    assert est.high == pytest.approx(30 + Z * 7.810249675906654)
    assert est.n == 100 and not est.small_sample


def test_nps_small_sample_and_empty():
    assert metrics.nps(3, 1, 1).small_sample
    assert metrics.nps(3, 1, 1).value == pytest.approx(40.0)
    empty = metrics.nps(0, 0, 0)
    assert empty.value is None and empty.small_sample
    # All promoters: interval collapses, clipped at 100.
    assert metrics.nps(40, 0, 0).high == pytest.approx(100.0)


def test_csat_wilson_interval():
    # 8 satisfied of 10: Wilson centre (0.8 + z²/20) / (1 + z²/10), half-width as in Wilson (1927).
    est = metrics.csat(8, 10)
    assert est.value == pytest.approx(80.0)
    assert est.low == pytest.approx(49.016, abs=1e-3)
    assert est.high == pytest.approx(94.332, abs=1e-3)
    assert est.small_sample


def test_share_flags_few_events():
    est = metrics.share(2, 200)
    assert est.value == pytest.approx(1.0)
    assert est.small_sample  # only 2 events
    assert not metrics.share(40, 200).small_sample


def test_ces_mean_with_t_interval():
    # scores 2, 3, 4, 5, 6: mean 4, s² = 2.5, se = sqrt(0.5), t(0.975, 4) = 2.776445.
    est = metrics.ces(20, 4 + 9 + 16 + 25 + 36, 5)
    assert est.value == pytest.approx(4.0)
    assert est.high - est.value == pytest.approx(2.776445105 * math.sqrt(0.5), rel=1e-6)
    assert est.small_sample


def test_t_quantile_matches_tables():
    assert metrics.t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    assert metrics.t_quantile(0.975, 9) == pytest.approx(2.2622, abs=1e-4)
    assert metrics.t_quantile(0.975, 29) == pytest.approx(2.0452, abs=1e-4)
    assert metrics.t_two_sided_p(2.262157, 9) == pytest.approx(0.05, abs=1e-5)


def test_volume_poisson_interval():
    est = metrics.volume(10)
    assert est.value == 10
    assert est.low == pytest.approx(4.795, abs=0.02)  # exact Garwood: 4.7954
    assert est.high == pytest.approx(18.390, abs=0.02)  # exact Garwood: 18.3904
    with pytest.raises(ValueError):
        metrics.volume(-1)


def test_compare_shares_two_proportion_z():
    # 30/100 vs 20/100: pooled 0.25, se = sqrt(0.25*0.75*(2/100)) = 0.0612372, z = 1.63299.
    c = metrics.compare_shares(30, 100, 20, 100)
    assert c.delta == pytest.approx(10.0)
    assert c.p_value == pytest.approx(0.102470, abs=1e-5)
    assert not c.significant
    big = metrics.compare_shares(300, 1000, 200, 1000)
    assert big.significant and big.p_value < 1e-6


def test_compare_nps_z_test():
    # (50,30,20) NPS 30, var 61.0; (40,30,30) NPS 10, var (0.7-0.01)*1e4/100 = 69.0.
    # z = 20 / sqrt(130) = 1.75412 -> p = 0.079411.
    c = metrics.compare_nps((50, 30, 20), (40, 30, 30))
    assert c.delta == pytest.approx(20.0)
    assert c.p_value == pytest.approx(0.079411, abs=1e-5)
    assert c.low == pytest.approx(20 - Z * math.sqrt(130))
    assert not c.significant
    assert metrics.compare_nps((0, 0, 0), (1, 1, 1)) == metrics.NO_CHANGE


def test_compare_means_welch():
    # current: 1..7 each 10 times (mean 4); previous all 5s and 6s: clearly different.
    cur = (sum(range(1, 8)) * 10, sum(i * i for i in range(1, 8)) * 10, 70)
    prev = (5 * 35 + 6 * 35, 25 * 35 + 36 * 35, 70)
    c = metrics.compare_means(cur, prev)
    assert c.delta == pytest.approx(4.0 - 5.5)
    assert c.significant and c.p_value < 1e-6


def test_compare_volumes_conditional_binomial():
    # 60 vs 40 with equal exposure: z = (60 - 50) / sqrt(100 * 0.25) = 2 -> p = 0.0455.
    c = metrics.compare_volumes(60, 40)
    assert c.delta == pytest.approx(50.0)
    assert c.p_value == pytest.approx(0.0455003, abs=1e-6)
    assert c.significant
    assert metrics.compare_volumes(0, 0).p_value == 1.0


def test_drivers_impact_and_ranking():
    # Totals: 60 promoters, 20 passives, 20 detractors -> NPS 40.
    # "delivery": 0 promoters, 5 passives, 15 detractors; without it: 60/15/5 of 80 -> NPS 68.75.
    delivery = metrics.TopicCounts("delivery", 20, 15, 0, 5, 15, 2, 10, 5)
    price = metrics.TopicCounts("price", 30, 3, 25, 5, 0, 9, 10, 30)
    ranked = metrics.drivers([price, delivery], (60, 20, 20), (50, 80))
    assert [d.key for d in ranked] == ["delivery", "price"]
    top = ranked[0]
    assert top.nps_impact == pytest.approx(40.0 - 68.75)
    # CSAT 50/80 = 62.5 %; without delivery 48/70 = 68.571 % -> impact -6.071 points.
    assert top.csat_impact == pytest.approx(62.5 - 100 * 48 / 70)
    assert top.growth == pytest.approx(300.0)
    assert ranked[1].nps_impact > 0  # price lifts the score
    assert ranked[1].score == 0
