"""Spike and drop detection on hand-made hourly series with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from voxloop.analysis import anomaly

HOURS = 21 * 24  # three weeks


def _seasonal_rate(level: float, hours: int = HOURS) -> np.ndarray:
    """Busy days with a sharp noon peak (x5 over the night), quieter weekends."""
    t = np.arange(hours)
    hod = (t - (hours - 1)) % 24 + 12  # the last hour is noon
    hod %= 24
    daily = 0.3 + 2.5 * np.exp(-0.5 * ((hod - 12) / 1.5) ** 2)
    weekend = np.where(((t - (hours - 1)) // 24) % 7 >= 5, 0.7, 1.0)
    rate = daily * weekend
    return np.asarray(level * rate / rate.mean())


def _quiet_series(rng: np.random.Generator, n: int, level: float = 8.0) -> dict[str, np.ndarray]:
    return {
        f"quiet-{i}": rng.poisson(_seasonal_rate(level * (1 + i % 3))).astype(float)
        for i in range(n)
    }


def test_a_step_is_found_with_its_start_and_effect() -> None:
    rng = np.random.default_rng(1)
    series = _quiet_series(rng, 20)
    rate = _seasonal_rate(10.0)
    rate[-6:] *= 4.0
    series["delivery"] = rng.poisson(rate).astype(float)
    findings = anomaly.detect(series)
    # The step is the most severe finding; at 1 % FDR a quiet series may rarely join it.
    assert findings[0].series == "delivery"
    assert len(findings) <= 2
    finding = findings[0]
    assert finding.direction == "up"
    assert finding.end == HOURS - 1
    assert HOURS - 12 <= finding.start <= HOURS - 3
    assert 2.5 <= finding.ratio <= 6.0
    assert finding.p_value <= 0.01
    assert 1 <= finding.severity <= 10
    assert finding.observed > finding.expected


def test_a_seasonal_peak_is_not_an_anomaly() -> None:
    rng = np.random.default_rng(2)
    series = _quiet_series(rng, 30, level=20.0)  # the current hour is every series' noon peak
    last = [v[-1] for v in series.values()]
    night = [v[-13] for v in series.values()]
    assert np.mean(last) > 4 * np.mean(night)
    assert anomaly.detect(series) == []


def test_a_drop_is_found() -> None:
    rng = np.random.default_rng(3)
    series = _quiet_series(rng, 10)
    values = rng.poisson(_seasonal_rate(30.0)).astype(float)
    values[-8:] = 0.0
    series["checkout"] = values
    findings = [f for f in anomaly.detect(series) if f.series == "checkout"]
    assert findings and findings[0].direction == "down"
    assert findings[0].ratio < 0.3


def test_a_share_spike_with_flat_volume_needs_denominators() -> None:
    rng = np.random.default_rng(4)
    totals: dict[str, np.ndarray] = {}
    negatives: dict[str, np.ndarray] = {}
    for i in range(12):
        total = rng.poisson(_seasonal_rate(40.0)).astype(float)
        share = np.full(HOURS, 0.1)
        if i == 0:
            share[-6:] = 0.4  # complaints jump while the overall volume stays as it was
        totals[f"topic-{i}"] = total
        negatives[f"topic-{i}"] = rng.binomial(total.astype(int), share).astype(float)
    assert anomaly.detect(totals) == []
    findings = anomaly.detect(negatives, denominators=totals)
    assert [f.series for f in findings] == ["topic-0"]
    assert findings[0].direction == "up"
    assert findings[0].ratio > 2.5


def test_many_quiet_series_raise_no_alarm() -> None:
    rng = np.random.default_rng(5)
    series = _quiet_series(rng, 150, level=3.0)
    assert len(anomaly.detect(series)) <= 1


def test_short_history_and_empty_input() -> None:
    assert anomaly.detect({}) == []
    assert anomaly.detect({"a": []}) == []
    assert anomaly.detect({"a": [1.0] * 10}) == []
    burst = {"a": [2.0] * 40 + [60.0], "b": [3.0] * 41}
    findings = anomaly.detect(burst)  # under two days: flat profile, assumed dispersion
    assert [f.series for f in findings] == ["a"]
    week = {"a": [5.0] * 200, "b": [0.0] * 200}  # a series with no events is skipped
    assert anomaly.detect(week) == []


def test_bad_input_names_the_series() -> None:
    with pytest.raises(ValueError, match="'b'"):
        anomaly.detect({"a": [1.0] * 50, "b": [1.0] * 49})
    with pytest.raises(ValueError, match=r"'a'.*>= 0"):
        anomaly.detect({"a": [1.0, -1.0] * 30})
    with pytest.raises(ValueError, match="'a'"):
        anomaly.detect({"a": [1.0, float("nan")] * 30})
    with pytest.raises(ValueError, match=r"denominators.*'a'"):
        anomaly.detect({"a": [1.0] * 50}, denominators={"b": [1.0] * 50})
    with pytest.raises(ValueError, match="alpha"):
        anomaly.detect({"a": [1.0] * 50}, alpha=2)


def test_naive_rule() -> None:
    flat = [5.0] * 48
    tripled = [5.0] * 24 + [15.0] * 24
    quadrupled = [5.0] * 24 + [20.0] * 24
    tiny = [0.0] * 24 + [1.0] + [0.0] * 23
    flagged = anomaly.naive_rule(
        {"flat": flat, "x3": tripled, "x4": quadrupled, "tiny": tiny, "short": [1.0]}
    )
    assert flagged == ["x4"]


def _noisy_series(
    rng: np.random.Generator, n: int, hours: int, level: float = 10.0
) -> dict[str, np.ndarray]:
    """Seasonal series with day-to-day level noise and overdispersed hours, like real feedback."""
    out: dict[str, np.ndarray] = {}
    for i in range(n):
        days = rng.gamma(60.0, 1 / 60.0, hours // 24 + 1)
        day_level = np.repeat(days, 24)[-hours:]
        rate = _seasonal_rate(level * (0.5 + i % 4), hours) * day_level
        out[f"noise-{i}"] = rng.poisson(rate * rng.gamma(15.0, 1 / 15.0, hours)).astype(float)
    return out


def test_pure_noise_raises_no_alarm_hour_after_hour() -> None:
    hours = 6 * 7 * 24
    series = _noisy_series(np.random.default_rng(7), 100, hours)
    alarms = [
        f
        for end in range(hours - 48, hours + 1, 4)
        for f in anomaly.detect({k: v[:end] for k, v in series.items()})
    ]
    assert alarms == []
