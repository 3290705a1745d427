"""Benchmark for voxloop.analysis.anomaly: simulated hourly feedback with injected incidents.

Simulates DAYS days x SERIES hourly series (per-series volume, daily shape with its own peak
hours, weekly pattern whose weekend also shifts the daily peak, slow drift, day-to-day level
noise and overdispersed hourly counts), injects incidents (sizes 1.5x-10x in four buckets,
shapes step / ramp / short burst, one per affected series), then runs detection hour by hour
as the worker would: at each hour only the data up to that hour is given. The naive rule
("up >= 300 % in 24 h vs the previous 24 h") is scored on the same data in the same run.

Scoring: an incident is detected by the first "up" alert on its series between its start and
12 h after its end; delay = that hour - the incident's first hour. Alerts on a series are
grouped into episodes (a new episode after 24 quiet hours, like an alert's cooldown); an
episode that starts outside every incident's span + 48 h is a false alert.

Run: .venv/bin/python bench/detect.py [--seed 20261123] [--series 200] [--days 90]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from voxloop.analysis import anomaly

SEED = 20261123
BUCKETS = ((1.5, 2.0), (2.0, 3.0), (3.0, 5.0), (5.0, 10.0))
SHAPES = ("step", "ramp", "burst")
WARMUP_DAYS = 14  # detection starts once two weeks of history exist
COOLDOWN = 24
GRACE_AFTER = 48
DETECT_AFTER = 12


@dataclass
class Incident:
    series: int
    start: int
    end: int  # last elevated hour
    size: float
    shape: str


def simulate(
    rng: np.random.Generator, n_series: int, days: int, per_bucket: int
) -> tuple[np.ndarray, np.ndarray, list[Incident]]:
    """(counts, base rates, incidents): counts is series x hours, with incidents injected."""
    hours = days * 24
    t = np.arange(hours)
    hod, dow = t % 24, (t // 24) % 7
    base = np.exp(rng.uniform(np.log(1.0), np.log(50.0), n_series))  # mean items per hour
    rates = np.empty((n_series, hours))
    for s in range(n_series):
        peak1, peak2 = rng.uniform(8, 12), rng.uniform(18, 22)
        weekend_shift = rng.uniform(0, 3)
        shift = np.where(dow >= 5, weekend_shift, 0.0)
        daily = (
            0.15
            + rng.uniform(0.6, 1.2) * np.exp(-0.5 * ((hod - peak1 - shift) / 2.0) ** 2)
            + rng.uniform(0.6, 1.2) * np.exp(-0.5 * ((hod - peak2 - shift) / 2.5) ** 2)
        )
        weekly = np.array([1.05, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0])
        weekly[5:] = rng.uniform(0.55, 1.35)
        drift = 1.0 + rng.uniform(-0.25, 0.25) * t / hours
        day_noise = np.repeat(rng.gamma(60.0, 1 / 60.0, days), 24)  # ~13 % day-to-day
        shape = daily * weekly[dow]
        rates[s] = base[s] * shape / shape.mean() * drift * day_noise

    incidents: list[Incident] = []
    chosen = rng.choice(n_series, size=min(n_series, per_bucket * len(BUCKETS)), replace=False)
    for k, s in enumerate(chosen):
        lo, hi = BUCKETS[k % len(BUCKETS)]
        size = float(rng.uniform(lo, hi))
        shape_name = SHAPES[(k // len(BUCKETS)) % len(SHAPES)]
        start = int(rng.integers((WARMUP_DAYS + 7) * 24, hours - 5 * 24))
        mult = np.ones(hours)
        if shape_name == "step":
            length = int(rng.integers(24, 73))
            mult[start : start + length] = size
        elif shape_name == "ramp":
            rise, hold = int(rng.integers(12, 37)), 24
            length = rise + hold
            mult[start : start + rise] = 1 + (size - 1) * np.arange(1, rise + 1) / rise
            mult[start + rise : start + length] = size
        else:
            length = int(rng.integers(2, 7))
            mult[start : start + length] = size
        rates[s] *= mult
        incidents.append(Incident(int(s), start, start + length - 1, size, shape_name))
    # Overdispersed hourly counts: Poisson with a gamma-distributed rate (negative binomial).
    counts = rng.poisson(rates * rng.gamma(15.0, 1 / 15.0, rates.shape)).astype(np.float64)
    return counts, base, incidents


def stream(
    counts: np.ndarray, first: int
) -> tuple[dict[int, list[tuple[int, str]]], dict[int, list[int]], float]:
    """Alerts per series (hour, direction) from detect() and from the naive rule, hour by hour."""
    keys = [f"s{i}" for i in range(counts.shape[0])]
    ours: dict[int, list[tuple[int, str]]] = {i: [] for i in range(counts.shape[0])}
    naive: dict[int, list[int]] = {i: [] for i in range(counts.shape[0])}
    start = time.perf_counter()
    for hour in range(first, counts.shape[1]):
        window = counts[:, : hour + 1]
        view = {k: window[i] for i, k in enumerate(keys)}
        for finding in anomaly.detect(view):
            ours[int(finding.series[1:])].append((hour, finding.direction))
        for key in anomaly.naive_rule(view):
            naive[int(key[1:])].append(hour)
    return ours, naive, time.perf_counter() - start


def episodes(hours: list[int]) -> list[int]:
    """Start hours of alert episodes (a gap of more than COOLDOWN hours starts a new one)."""
    starts: list[int] = []
    last = -(10**9)
    for h in sorted(hours):
        if h - last > COOLDOWN:
            starts.append(h)
        last = h
    return starts


@dataclass
class Score:
    detected: list[tuple[Incident, int | None]]  # each incident with its delay (None: missed)
    false: int  # false alert episodes
    series_weeks: float

    def recall(self, cond: Callable[[Incident], bool]) -> str:
        chosen = [d for inc, d in self.detected if cond(inc)]
        if not chosen:
            return "-"
        return f"{sum(d is not None for d in chosen) / len(chosen):.2f} (n={len(chosen)})"

    def median_delay(self, cond: Callable[[Incident], bool] = lambda i: True) -> str:
        delays = [d for inc, d in self.detected if d is not None and cond(inc)]
        return f"{np.median(delays):.1f} h" if delays else "-"

    def false_rate(self) -> str:
        return f"{self.false / self.series_weeks:.4f} ({self.false})"


def score(
    alerts: dict[int, list[int]],
    up_alerts: dict[int, list[int]],
    incidents: list[Incident],
    n_series: int,
    monitored_hours: int,
) -> Score:
    by_series = {inc.series: inc for inc in incidents}
    detected: list[tuple[Incident, int | None]] = []
    for inc in incidents:
        hits = [h for h in up_alerts[inc.series] if inc.start <= h <= inc.end + DETECT_AFTER]
        detected.append((inc, min(hits) - inc.start if hits else None))
    false = 0
    for s, hours in alerts.items():
        inc = by_series.get(s)
        for h in episodes(hours):
            if inc is not None and inc.start <= h <= inc.end + GRACE_AFTER:
                continue
            false += 1
    return Score(detected, false, n_series * monitored_hours / 168)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-bucket", type=int, default=30, help="incidents per size bucket")
    args = parser.parse_args()

    n_incidents = args.per_bucket * len(BUCKETS)
    print(
        f"seed {args.seed}: {args.series} series x {args.days} days hourly, {n_incidents} incidents"
    )
    rng = np.random.default_rng(args.seed)
    counts, base, incidents = simulate(rng, args.series, args.days, args.per_bucket)
    first = WARMUP_DAYS * 24
    ours, naive, seconds = stream(counts, first)
    monitored = counts.shape[1] - first
    print(
        f"streaming detection over {monitored} hours: {seconds:.1f} s "
        f"({1000 * seconds / monitored:.1f} ms per hourly run of all series; both methods)"
    )
    ours_all = {s: [h for h, _ in v] for s, v in ours.items()}
    ours_up = {s: [h for h, d in v if d == "up"] for s, v in ours.items()}
    results = {
        "voxloop detect": score(ours_all, ours_up, incidents, args.series, monitored),
        "naive >=300% 24h": score(naive, naive, incidents, args.series, monitored),
    }

    def row(label: str, cells: list[str]) -> None:
        print(f"{label:<34}" + "".join(f"{c:>18}" for c in cells))

    def recall_row(label: str, cond: Callable[[Incident], bool], target: str) -> None:
        row(label, [*(res.recall(cond) for res in results.values()), target])

    print()
    row("metric", [*results, "target"])
    for lo, hi in BUCKETS:
        target = ">= 0.70" if lo < 2 else (">= 0.95" if lo >= 3 else "")
        recall_row(
            f"recall, size {lo:g}x-{hi:g}x", lambda i, lo=lo, hi=hi: lo <= i.size < hi, target
        )
    recall_row("recall, size >= 3x", lambda i: i.size >= 3, ">= 0.95")
    recall_row("recall, all", lambda i: True, "")
    for shape in SHAPES:
        recall_row(f"recall, shape {shape}", lambda i, sh=shape: i.shape == sh, "")
    recall_row(
        "recall, 1.5x-2x steps and ramps",
        lambda i: i.size < 2 and i.shape != "burst",
        "",
    )
    for name, lo, hi in (("low", 0.0, 5.0), ("mid", 5.0, 15.0), ("high", 15.0, 1e9)):
        label = (
            f"recall, volume {name} ({lo:g}-{hi:g}/h)"
            if hi < 1e9
            else f"recall, volume {name} (>= {lo:g}/h)"
        )
        recall_row(label, lambda i, lo=lo, hi=hi: lo <= base[i.series] < hi, "")
    row("median detection delay", [*(r.median_delay() for r in results.values()), "<= 2 h"])
    for label, cond in (
        ("  delay, size >= 3x", lambda i: i.size >= 3),
        ("  delay, steps and bursts", lambda i: i.shape != "ramp"),
        ("  delay, ramps (from ramp start)", lambda i: i.shape == "ramp"),
    ):
        row(label, [*(r.median_delay(cond) for r in results.values()), ""])
    row("false alerts per series-week", [*(r.false_rate() for r in results.values()), "<= 0.05"])
    print(
        f"\n{results['voxloop detect'].series_weeks:.0f} series-weeks monitored; volumes "
        f"{base.min():.1f}-{base.max():.1f} items/hour (log-uniform). Timings on a shared "
        "2-core machine are noisy."
    )


if __name__ == "__main__":
    main()
