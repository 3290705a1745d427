"""KPI estimates (NPS, CSAT, CES, shares, volume) with 95 % intervals and period comparisons.

Django-free: every function takes plain counts and sums (what the rollup tables store), so the
same maths serves the dashboard, the API, detection and the tests' hand-computed figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963…
MIN_RESPONSES = 30  # below this a score is shown with a "small sample" warning
MIN_EVENTS = 5  # a share or rate needs this many events on each side to be trusted


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval; ``value`` is None when there is no data at all."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    small_sample: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """Current period against the previous one: difference, its interval and a test."""

    current: float | None
    previous: float | None
    delta: float | None
    low: float | None
    high: float | None
    p_value: float | None
    significant: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


EMPTY = Estimate(None, None, None, 0, True)
NO_CHANGE = Change(None, None, None, None, None, None, False)


def _normal_p(z: float) -> float:
    return 2.0 * (1.0 - NormalDist().cdf(abs(z)))


def t_quantile(p: float, df: float) -> float:
    """Student-t quantile: Cornish-Fisher start, then Newton steps on the exact CDF."""
    if df <= 0:
        raise ValueError("df must be positive")
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    t = z + g1 / df + g2 / df**2 + g3 / df**3
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    for _ in range(6):
        tail = 0.5 * t_two_sided_p(t, df)
        cdf = 1.0 - tail if t >= 0 else tail
        pdf = math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))
        step = (cdf - p) / pdf
        t -= step
        if abs(step) < 1e-10:
            break
    return t


def t_two_sided_p(t: float, df: float) -> float:
    """Two-sided p of a t statistic, through the regularised incomplete beta function."""
    if df <= 0:
        return 1.0
    x = df / (df + t * t)
    return _betainc(df / 2.0, 0.5, x)


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by Lentz's continued fraction."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betainc(b, a, 1.0 - x)
    tiny = 1e-300
    f, c, d = 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            num = 1.0
        elif i % 2 == 0:
            num = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            num = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 + num * d
        d = tiny if abs(d) < tiny else d
        d = 1.0 / d
        c = 1.0 + num / c
        c = tiny if abs(c) < tiny else c
        f *= c * d
        if abs(1.0 - c * d) < 1e-12:
            break
    return front * (f - 1.0) / a


# -- single-period estimates ----------------------------------------------------------------


def nps(promoters: int, passives: int, detractors: int) -> Estimate:
    """NPS in points (−100…100); variance from the three-category multinomial."""
    n = promoters + passives + detractors
    if n <= 0:
        return EMPTY
    pp, pd = promoters / n, detractors / n
    value = 100.0 * (promoters - detractors) / n
    se = 100.0 * math.sqrt(max(pp + pd - (pp - pd) ** 2, 0.0) / n)
    return Estimate(
        value, max(-100.0, value - Z95 * se), min(100.0, value + Z95 * se), n, n < MIN_RESPONSES
    )


def _nps_var(promoters: int, passives: int, detractors: int) -> float:
    n = promoters + passives + detractors
    pp, pd = promoters / n, detractors / n
    return 100.0**2 * max(pp + pd - (pp - pd) ** 2, 0.0) / n


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion, as fractions."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def share(k: int, n: int) -> Estimate:
    """A share in percent (negative share, complaint share, …) with its Wilson interval."""
    if n <= 0:
        return EMPTY
    low, high = wilson(k, n)
    small = n < MIN_RESPONSES or min(k, n - k) < MIN_EVENTS
    return Estimate(100.0 * k / n, 100.0 * low, 100.0 * high, n, small)


def csat(satisfied: int, n: int) -> Estimate:
    """CSAT: percent of 4–5 answers on the 1–5 scale, Wilson interval."""
    if n <= 0:
        return EMPTY
    low, high = wilson(satisfied, n)
    return Estimate(100.0 * satisfied / n, 100.0 * low, 100.0 * high, n, n < MIN_RESPONSES)


def mean(total: float, total_sq: float, n: int) -> Estimate:
    """A mean score (CES on 1–7, stars) with a Student-t interval."""
    if n <= 0:
        return EMPTY
    m = total / n
    if n == 1:
        return Estimate(m, None, None, 1, True)
    var = max(total_sq - total * total / n, 0.0) / (n - 1)
    half = t_quantile(0.975, n - 1) * math.sqrt(var / n)
    return Estimate(m, m - half, m + half, n, n < MIN_RESPONSES)


ces = mean


def volume(count: int) -> Estimate:
    """An event count with a 95 % Poisson interval (Wilson–Hilferty approximation)."""
    if count < 0:
        raise ValueError("count must not be negative")

    def chi2_q(p: float, k: float) -> float:
        z = NormalDist().inv_cdf(p)
        return k * (1 - 2 / (9 * k) + z * math.sqrt(2 / (9 * k))) ** 3

    low = 0.0 if count == 0 else chi2_q(0.025, 2 * count) / 2
    high = chi2_q(0.975, 2 * count + 2) / 2
    return Estimate(float(count), low, high, count, count < MIN_EVENTS)


# -- period over period ---------------------------------------------------------------------


def _change(cur: float, prev: float, se: float, significant_ok: bool) -> Change:
    delta = cur - prev
    if se <= 0:
        p = 1.0 if delta == 0 else 0.0
        return Change(cur, prev, delta, delta, delta, p, significant_ok and p < 0.05)
    p = _normal_p(delta / se)
    return Change(
        cur, prev, delta, delta - Z95 * se, delta + Z95 * se, p, significant_ok and p < 0.05
    )


def compare_nps(current: Sequence[int], previous: Sequence[int]) -> Change:
    """(promoters, passives, detractors) of two periods; z-test on the NPS difference."""
    a, b = nps(*current), nps(*previous)
    if a.value is None or b.value is None:
        return NO_CHANGE
    se = math.sqrt(_nps_var(*current) + _nps_var(*previous))
    return _change(a.value, b.value, se, not (a.small_sample or b.small_sample))


def compare_shares(k1: int, n1: int, k0: int, n0: int) -> Change:
    """Two proportions (in percent): unpooled interval, pooled two-proportion z-test."""
    if n1 <= 0 or n0 <= 0:
        return NO_CHANGE
    p1, p0 = k1 / n1, k0 / n0
    pooled = (k1 + k0) / (n1 + n0)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    delta = 100.0 * (p1 - p0)
    p = 1.0 if se_pooled == 0 else _normal_p((p1 - p0) / se_pooled)
    ok = not (share(k1, n1).small_sample and share(k0, n0).small_sample)
    return Change(
        100.0 * p1,
        100.0 * p0,
        delta,
        delta - Z95 * 100.0 * se,
        delta + Z95 * 100.0 * se,
        p,
        ok and p < 0.05,
    )


def compare_means(current: Sequence[float], previous: Sequence[float]) -> Change:
    """(sum, sum of squares, n) of two periods; Welch's t-test."""
    s1, q1, n1 = current
    s0, q0, n0 = previous
    if n1 < 2 or n0 < 2:
        return NO_CHANGE
    m1, m0 = s1 / n1, s0 / n0
    v1 = max(q1 - s1 * s1 / n1, 0.0) / (n1 - 1)
    v0 = max(q0 - s0 * s0 / n0, 0.0) / (n0 - 1)
    se2 = v1 / n1 + v0 / n0
    delta = m1 - m0
    if se2 <= 0:
        return Change(m1, m0, delta, delta, delta, 1.0 if delta == 0 else 0.0, delta != 0)
    df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v0 / n0) ** 2 / (n0 - 1))
    se = math.sqrt(se2)
    half = t_quantile(0.975, df) * se
    p = t_two_sided_p(delta / se, df)
    ok = n1 >= MIN_RESPONSES and n0 >= MIN_RESPONSES
    return Change(m1, m0, delta, delta - half, delta + half, p, ok and p < 0.05)


def compare_volumes(current: int, previous: int, exposure_ratio: float = 1.0) -> Change:
    """Two counts (current period is ``exposure_ratio`` times as long as the previous one).

    Conditional test: given the total, the current count is binomial with p = r / (1 + r);
    the change is in percent of the previous count.
    """
    total = current + previous
    if total == 0:
        return Change(0.0, 0.0, 0.0, None, None, 1.0, False)
    p0 = exposure_ratio / (1 + exposure_ratio)
    z = (current - total * p0) / math.sqrt(total * p0 * (1 - p0))
    p = _normal_p(z)
    expected_prev = previous * exposure_ratio
    delta = None if expected_prev == 0 else 100.0 * (current / expected_prev - 1)
    return Change(
        float(current), float(previous), delta, None, None, p, total >= 2 * MIN_EVENTS and p < 0.05
    )


# -- drivers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    key: str
    volume: int
    nps: float | None  # NPS of the topic's own feedback
    nps_impact: float | None  # overall NPS minus NPS without this topic's feedback
    csat_impact: float | None  # same, CSAT points
    negative_share: float | None
    growth: float | None  # volume change against the previous period, percent
    score: float  # "fix this first" priority: higher first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TopicCounts:
    """What a topic's feedback adds to the totals (and the same for the previous period)."""

    key: str
    n: int
    negative: int
    promoters: int
    passives: int
    detractors: int
    csat_satisfied: int
    csat_n: int
    previous_n: int


def impact_without(
    total: tuple[int, int, int], part: tuple[int, int, int]
) -> tuple[float | None, float | None]:
    """(score with everything, score without the part) for NPS components (P, passive, D)."""
    with_all = nps(*total).value
    rest = tuple(t - p for t, p in zip(total, part, strict=True))
    without = nps(*rest).value
    return with_all, without


def drivers(
    topics: Sequence[TopicCounts],
    total_nps: tuple[int, int, int],
    total_csat: tuple[int, int],
) -> list[Driver]:
    """Rank topics by how much they pull the scores down, weighted by their growth.

    Impact is the overall score minus the score computed without the topic's feedback: a
    topic whose customers are unhappier than the rest has a negative impact.
    """
    out = []
    for t in topics:
        nps_all, nps_wo = impact_without(total_nps, (t.promoters, t.passives, t.detractors))
        nps_impact = None if nps_all is None or nps_wo is None else nps_all - nps_wo
        sat, n_csat = total_csat
        csat_impact = None
        if n_csat > 0 and n_csat - t.csat_n > 0:
            csat_impact = 100.0 * (sat / n_csat - (sat - t.csat_satisfied) / (n_csat - t.csat_n))
        growth = None if t.previous_n == 0 else 100.0 * (t.n / t.previous_n - 1)
        neg = None if t.n == 0 else 100.0 * t.negative / t.n
        drag = max(0.0, -(nps_impact or 0.0)) + 0.5 * max(0.0, -(csat_impact or 0.0))
        if nps_impact is None and csat_impact is None:  # no scores: rank by unhappy volume
            drag = 0.01 * t.negative
        growth_factor = 1.0 + min(max((growth if growth is not None else 0.0) / 100.0, -0.5), 3.0)
        out.append(
            Driver(
                key=t.key,
                volume=t.n,
                nps=nps(t.promoters, t.passives, t.detractors).value,
                nps_impact=nps_impact,
                csat_impact=csat_impact,
                negative_share=neg,
                growth=growth,
                score=drag * growth_factor,
            )
        )
    out.sort(key=lambda d: (-d.score, -d.volume, d.key))
    return out
