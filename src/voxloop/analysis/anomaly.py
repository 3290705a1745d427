"""Spike and drop detection on many hourly series, with false alarms controlled across them.

For each series the expected count of every hour is ``level x profile``:

* the profile is hour-of-week seasonality: the series' own hour-of-day and day-of-week
  factors shrink (pseudo-counts) toward the factors pooled over all series, so a quiet series
  borrows the shape of the busy ones; its hour-of-week factors shrink toward that separable
  product by empirical Bayes, as far as their week-to-week noise says they should;
* the level is a ratio estimator over the last LEVEL_DAYS days before the tested hours, with
  days that were themselves anomalous left out (a past incident does not raise the bar);
* the history is cleaned once (hours far outside the first baseline are clipped) and the
  baseline refitted, so incidents in the history barely bend the profile either.

Every window of the last 1 .. ``max_window`` hours is tested against its expectation with a
negative binomial of variance ``m + kappa_w m^2``, where ``kappa_w`` is measured by moments on
the series' own history for that window length (shrunk toward all series' value): it holds
the hour-to-hour and day-to-day noise and the correlation of neighbouring hours, which a
Poisson test ignores and pays for in false alarms. Measured in-sample it comes out low and
the real upper tail is heavier than the negative binomial's, so it is inflated by
KAPPA_INFLATION (calibrated on bench/detect.py's simulation). With ``denominators`` the share
(numerator / denominator) is tested with a beta-binomial built the same way. A series' windows
combine into one p-value (Simes), and series are corrected together (Benjamini-Hochberg at
``alpha``); a flagged series reports the window where its deviation stands out most.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

WINDOWS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48)
HISTORY_HOURS = 8 * 168  # the baseline looks back at most eight weeks
MIN_HISTORY = 24  # hours of history needed before anything is tested
LEVEL_DAYS = 7
PSEUDO_EVENTS_SEPARABLE = 60.0  # shrinkage of own hour-of-day / day-of-week toward pooled
KAPPA_PRIOR_WINDOWS = 100.0  # shrinkage of a series' extra variance toward the pooled one
KAPPA_COUNTS_SHORT = 0.1  # variance m + 0.1 m^2 (30 % level noise) when history is short
RHO_SHARES_SHORT = 0.01  # beta-binomial correlation assumed when history is short
CAP_Z = 5.0  # squared deviations beyond CAP_Z sd do not count as noise
KAPPA_INFLATION = 1.5
CLEAN_Z = 5.0
MIN_RATIO_UP = 1.25  # effects smaller than these are not worth an alert, however significant
MAX_RATIO_DOWN = 0.75


@dataclass(frozen=True, slots=True)
class Finding:
    """One anomalous window of one series, ending at the current hour."""

    series: str  # the caller's key for the series
    start: int  # index of the first anomalous hour
    end: int  # index of the last hour examined (the current one)
    observed: float  # count (or numerator) in [start, end]
    expected: float  # baseline expectation over the same hours
    ratio: float  # observed / expected: the effect size
    p_value: float  # after correction for the number of series and windows tested
    direction: Literal["up", "down"]
    severity: int  # 1..10 from ratio, volume and significance


# --- input -------------------------------------------------------------------------------------


def _matrix(
    name: str, series: Mapping[str, Sequence[float]], keys: list[str], length: int | None
) -> np.ndarray:
    rows: list[np.ndarray] = []
    for key in keys:
        if key not in series:
            raise ValueError(f"{name}: no series for key {key!r}")
        try:
            row = np.asarray(series[key], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}[{key!r}]: not a sequence of numbers ({exc})") from None
        if row.ndim != 1:
            raise ValueError(f"{name}[{key!r}]: expected a flat sequence of hourly values")
        if length is not None and len(row) != length:
            raise ValueError(f"{name}[{key!r}]: {len(row)} hours, expected {length}")
        if len(row) and (not np.isfinite(row).all() or (row < 0).any()):
            raise ValueError(f"{name}[{key!r}]: values must be finite and >= 0")
        length = len(row)
        rows.append(row)
    return np.vstack(rows) if rows else np.zeros((0, 0))


# --- baseline ----------------------------------------------------------------------------------


def _slots(total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hour-of-week, hour-of-day and day-of-week slot of every index, counted from the end."""
    week = (np.arange(total) - (total - 1)) % 168
    return week, week % 24, week // 24


def _shrink(sums: np.ndarray, expected: np.ndarray, prior: np.ndarray, c: float) -> np.ndarray:
    """Factors sums / expected (mean about 1) shrunk toward ``prior`` with ``c`` pseudo-events."""
    factors: np.ndarray = (sums + c * prior) / (expected + c)
    return factors


def _weekly_shrink(
    by_week: np.ndarray, seen: np.ndarray, mean: np.ndarray, separable: np.ndarray
) -> np.ndarray:
    """Hour-of-week factors: the separable ones plus the own deviations, shrunk by how sure.

    Empirical Bayes per series: the spread of the own deviations across slots beyond what the
    week-to-week noise of each slot explains is real structure (a weekend with other peak
    hours); the rest is noise, which fitting 168 free factors to a few weeks would otherwise
    bake into the baseline (and hide from the noise estimate).
    """
    factors = by_week / np.maximum(mean, 1e-12)[:, None, None]
    n_seen = np.maximum(seen.sum(axis=0), 1.0)
    own = (factors * seen[None]).sum(axis=1) / n_seen
    spread = ((factors - own[:, None, :]) ** 2 * seen[None]).sum(axis=1) / np.maximum(
        n_seen - 1.0, 1.0
    )
    noise = spread / n_seen  # sampling variance of each own slot factor
    deviation = own - separable
    signal = np.maximum((deviation**2).mean(axis=1) - noise.mean(axis=1), 0.0)
    weight = signal[:, None] / (signal[:, None] + noise + 1e-12)
    shrunk: np.ndarray = separable + weight * deviation
    return shrunk


def _profile(y: np.ndarray, total: int) -> np.ndarray:
    """(series x total) multiplicative hour-of-week profile fitted on the history ``y``.

    Slots count back from the last index, so the history is left-padded to whole weeks and
    folded: slot sums are then a reshape, not a scan.
    """
    n_series, hist = y.shape
    week, _, _ = _slots(total)
    if hist < 48:
        return np.ones((n_series, total))
    # Slot of history index i is (i - (total - 1)) % 168; fold so that column k is slot k.
    pad = (-hist) % 168
    first_slot = (0 - (total - 1)) % 168
    folded = np.zeros((n_series, pad + hist))
    folded[:, pad:] = y
    seen = np.zeros(pad + hist)
    seen[pad:] = 1.0
    shift = (first_slot - pad) % 168
    by_week = np.roll(folded.reshape(n_series, -1, 168), shift, axis=2)
    seen_by_week = np.roll(seen.reshape(-1, 168), shift, axis=1)
    sums_w = by_week.sum(axis=1)
    hours_w = seen_by_week.sum(axis=0)
    mean = y.mean(axis=1)
    expected_w = mean[:, None] * hours_w[None, :]
    sums_h = sums_w.reshape(n_series, 7, 24).sum(axis=1)
    exp_h = expected_w.reshape(n_series, 7, 24).sum(axis=1)
    pooled_h = _shrink(sums_h.sum(axis=0), exp_h.sum(axis=0), np.ones(24), 1.0)
    f_h = _shrink(sums_h, exp_h, pooled_h[None, :], PSEUDO_EVENTS_SEPARABLE)
    f_d = np.ones((n_series, 7))
    if hist >= 168:
        sums_d = sums_w.reshape(n_series, 7, 24).sum(axis=2)
        exp_d = expected_w.reshape(n_series, 7, 24).sum(axis=2)
        pooled_d = _shrink(sums_d.sum(axis=0), exp_d.sum(axis=0), np.ones(7), 1.0)
        f_d = _shrink(sums_d, exp_d, pooled_d[None, :], PSEUDO_EVENTS_SEPARABLE)
    slots = np.arange(168)
    f_w = f_h[:, slots % 24] * f_d[:, slots // 24]
    if hist >= 2 * 168:
        f_w = _weekly_shrink(by_week, seen_by_week, mean, f_w)
    f_w = f_w / np.maximum(f_w.mean(axis=1, keepdims=True), 1e-12)
    profile: np.ndarray = np.maximum(f_w[:, week], 1e-3)
    return profile


def _day_sums(x: np.ndarray, days: int) -> np.ndarray:
    """Sums over the last ``days`` whole days of ``x`` (series x hours) -> (series x days)."""
    if days <= 0:
        return np.zeros((x.shape[0], 0))
    tail = x[:, x.shape[1] - days * 24 :]
    sums: np.ndarray = tail.reshape(x.shape[0], days, 24).sum(axis=2)
    return sums


def _robust_level(c_days: np.ndarray, p_days: np.ndarray, spread: float = 3.0) -> np.ndarray:
    """Ratio estimator sum(c)/sum(p) over days, leaving out days far from the median ratio."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(p_days > 0, c_days / p_days, np.nan)
    median = np.nan_to_num(
        np.nanmedian(np.where(np.isnan(ratios).all(axis=1, keepdims=True), 0.0, ratios), axis=1)
    )
    expect = median[:, None] * p_days
    keep = np.abs(c_days - expect) <= 4.0 * np.sqrt(spread * expect) + 2.0
    num = (c_days * keep).sum(axis=1)
    den = (p_days * keep).sum(axis=1)
    fallback = c_days.sum(axis=1) / np.maximum(p_days.sum(axis=1), 1e-12)
    level: np.ndarray = np.where(den > 0, num / np.maximum(den, 1e-12), fallback)
    return level


def _trailing_levels(c: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(series x hours) level for every history hour from the LEVEL_DAYS whole days before it.

    NaN where fewer than LEVEL_DAYS days precede (no residual measured there).
    """
    n_series, hist = c.shape
    days = hist // 24
    offset = hist - days * 24
    cd = c[:, offset:].reshape(n_series, days, 24).sum(axis=2)
    pd = p[:, offset:].reshape(n_series, days, 24).sum(axis=2)
    ccs = np.concatenate([np.zeros((n_series, 1)), np.cumsum(cd, axis=1)], axis=1)
    pcs = np.concatenate([np.zeros((n_series, 1)), np.cumsum(pd, axis=1)], axis=1)
    level_days = np.full((n_series, days), np.nan)
    if days > LEVEL_DAYS:
        csum = ccs[:, LEVEL_DAYS:days] - ccs[:, : days - LEVEL_DAYS]
        psum = pcs[:, LEVEL_DAYS:days] - pcs[:, : days - LEVEL_DAYS]
        level_days[:, LEVEL_DAYS:] = csum / np.maximum(psum, 1e-12)
    out = np.full((n_series, hist), np.nan)
    out[:, offset:] = np.repeat(level_days, 24, axis=1)
    return out


def _cumsum(x: np.ndarray) -> np.ndarray:
    out = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(x, axis=1, out=out[:, 1:])
    return out


def _window_sums(cs: np.ndarray, w: int) -> np.ndarray:
    """From a :func:`_cumsum`, sums of every run of ``w`` hours ending at each index.

    Entries before index w - 1 are NaN.
    """
    out = np.full((cs.shape[0], cs.shape[1] - 1), np.nan)
    out[:, w - 1 :] = cs[:, w:] - cs[:, :-w]
    return out


def _sample_ends(w: int, hist: int) -> np.ndarray:
    """History indices at which w-hour windows end, for measuring their noise.

    Windows overlap, so a stride of w / 3 loses little information and saves most of the work.
    """
    return np.arange(hist - 1, w - 2, -max(1, w // 3))[::-1]


def _extra_variance(
    sq_dev: np.ndarray, base: np.ndarray, unit: np.ndarray, valid: np.ndarray, start: float
) -> np.ndarray:
    """Per-series kappa with E[(observed - expected)^2] = base + kappa * unit, by moments.

    Squared deviations are capped at CAP_Z^2 times the variance of the previous pass, so a
    past incident in the history does not pass for noise; the series' estimate is shrunk
    toward the value pooled over all series (a quiet series has little evidence of its own).
    """
    base = np.where(valid, base, 0.0)
    unit = np.where(valid, unit, 0.0)
    kappa = np.full(sq_dev.shape[0], start)
    num = den = np.zeros(sq_dev.shape[0])
    for _ in range(2):
        cap = CAP_Z**2 * (base + kappa[:, None] * unit)
        dev = np.where(valid, np.minimum(sq_dev, cap), 0.0)
        num = (dev - base).sum(axis=1)
        den = unit.sum(axis=1)
        pooled = max(float(num.sum()), 0.0) / max(float(den.sum()), 1e-12)
        own = np.maximum(num, 0.0) / np.maximum(den, 1e-12)
        n = valid.sum(axis=1)
        kappa = np.where(
            n > 0, (n * own + KAPPA_PRIOR_WINDOWS * pooled) / (n + KAPPA_PRIOR_WINDOWS), start
        )
    if not valid.any():
        return np.full(sq_dev.shape[0], start)
    result: np.ndarray = np.maximum(kappa, 0.0)
    return result


# --- tests -------------------------------------------------------------------------------------


def _count_pvalues(
    observed: np.ndarray, expected: np.ndarray, kappa: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """P(X >= observed), P(X <= observed) for X negative binomial, mean m, var m + kappa m^2."""
    from scipy import stats

    m = np.maximum(expected, 1e-9)
    up_k = np.ceil(observed - 1e-9) - 1
    down_k = np.floor(observed + 1e-9)
    over = kappa > 1e-6
    size = 1.0 / np.where(over, kappa, 1.0)
    prob = size / (size + m)
    up = np.where(over, stats.nbinom.sf(up_k, size, prob), stats.poisson.sf(up_k, m))
    down = np.where(over, stats.nbinom.cdf(down_k, size, prob), stats.poisson.cdf(down_k, m))
    return np.clip(up, 0.0, 1.0), np.clip(down, 0.0, 1.0)


def _share_pvalues(
    observed: np.ndarray, trials: np.ndarray, share: np.ndarray, rho: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Tails of a beta-binomial: mean n p, variance n p (1 - p) (1 + (n - 1) rho)."""
    from scipy import stats

    n = np.maximum(np.round(trials), 1.0)
    p = np.clip(share, 1e-6, 1 - 1e-6)
    x = np.minimum(observed, n)
    up_k = np.ceil(x - 1e-9) - 1
    down_k = np.floor(x + 1e-9)
    rho = np.clip(rho, 1e-9, 0.99)
    over = (rho > 1e-6) & (n > 1)
    ab = (1.0 - rho) / rho
    a, b = p * ab, (1.0 - p) * ab
    up = np.where(over, stats.betabinom.sf(up_k, n, a, b), stats.binom.sf(up_k, n, p))
    down = np.where(over, stats.betabinom.cdf(down_k, n, a, b), stats.binom.cdf(down_k, n, p))
    return np.clip(up, 0.0, 1.0), np.clip(down, 0.0, 1.0)


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (q-values) of a flat array."""
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def _severity(ratio: float, excess: float, q: float) -> int:
    effect = min(abs(math.log(max(ratio, 1e-9))) / math.log(10.0), 1.0)
    volume = min(math.log10(abs(excess) + 1.0) / 3.0, 1.0)
    significance = min(-math.log10(max(q, 1e-300)) / 12.0, 1.0)
    score = 0.45 * effect + 0.30 * volume + 0.25 * significance
    return int(min(10, max(1, math.ceil(10 * score))))


# --- detection ---------------------------------------------------------------------------------


def detect(
    counts: Mapping[str, Sequence[float]],
    *,
    denominators: Mapping[str, Sequence[float]] | None = None,
    alpha: float = 0.01,
    min_expected: float = 3.0,
    max_window: int = 48,
) -> list[Finding]:
    """Series whose recent hours are significantly above or below their seasonal baseline.

    ``counts[key]`` is an hourly series whose last element is the current hour (all series
    the same length; two weeks or more of history ideally, at least MIN_HISTORY + 1 hours to
    test anything). With ``denominators`` (same keys and lengths) the share
    ``counts / denominators`` is tested instead of the volume. Windows whose expected count
    is below ``min_expected`` are not tested. At most one finding per series, most severe
    first.
    """
    keys = list(counts)
    if not keys:
        return []
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha}")
    if max_window < 1:
        raise ValueError(f"max_window: must be >= 1, got {max_window}")
    y = _matrix("counts", counts, keys, None)
    total = y.shape[1]
    den = _matrix("denominators", denominators, keys, total) if denominators is not None else None
    widest = min(max_window, total - MIN_HISTORY)
    windows = [w for w in WINDOWS if w <= widest] if widest >= 1 else []
    if widest >= 1 and widest not in windows and widest < max(WINDOWS):
        windows.append(widest)
    if not windows:
        return []
    keep = min(total, HISTORY_HOURS + widest)
    offset = total - keep  # indices reported to the caller are in the original series
    y = y[:, offset:]
    den = den[:, offset:] if den is not None else None
    if den is None:
        return _detect_counts(keys, y, windows, widest, alpha, min_expected, offset)
    return _detect_shares(keys, y, den, windows, widest, alpha, min_expected, offset)


def _detect_counts(
    keys: list[str],
    y: np.ndarray,
    windows: list[int],
    widest: int,
    alpha: float,
    min_expected: float,
    offset: int,
) -> list[Finding]:
    total = y.shape[1]
    hist = total - widest
    history = y[:, :hist]
    # Fit, clip hours far outside the first fit, refit on the cleaned history.
    profile = _profile(history, total)
    levels = _trailing_levels(history, profile[:, :hist])
    fallback = history.sum(axis=1) / np.maximum(profile[:, :hist].sum(axis=1), 1e-12)
    mu = np.where(np.isnan(levels), fallback[:, None], levels) * profile[:, :hist]
    spread = CLEAN_Z * np.sqrt(mu + KAPPA_COUNTS_SHORT * mu**2) + 2.0
    cleaned = np.clip(history, np.maximum(mu - spread, 0.0), mu + spread)
    profile = _profile(cleaned, total)
    p_hist = profile[:, :hist]
    days = min(LEVEL_DAYS, hist // 24)
    if days >= 1:
        level = _robust_level(_day_sums(history, days), _day_sums(p_hist, days))
    else:
        level = history.sum(axis=1) / np.maximum(p_hist.sum(axis=1), 1e-12)
    trailing = _trailing_levels(cleaned, p_hist)

    cs_hist, cs_p = _cumsum(history), _cumsum(p_hist)
    n_series = len(keys)
    observed = np.zeros((n_series, len(windows)))
    expected = np.zeros((n_series, len(windows)))
    kappa = np.zeros((n_series, len(windows)))
    for j, w in enumerate(windows):
        observed[:, j] = y[:, total - w :].sum(axis=1)
        expected[:, j] = level * profile[:, total - w :].sum(axis=1)
        # Residuals of the same window length over the history, each against the trailing
        # level it would have been tested with.
        cols = _sample_ends(w, hist)
        c_w = _window_sums(cs_hist, w)[:, cols]
        m_w = (_window_sums(cs_p, w) * np.roll(trailing, w - 1, axis=1))[:, cols]
        valid = np.isfinite(m_w) & np.isfinite(c_w) & (m_w >= max(1.0, min_expected / 3))
        m_safe = np.where(valid, m_w, 0.0)
        sq_dev = np.where(valid, (np.nan_to_num(c_w) - m_safe) ** 2, 0.0)
        kappa[:, j] = _extra_variance(sq_dev, m_safe, m_safe**2, valid, KAPPA_COUNTS_SHORT)
    kappa = KAPPA_INFLATION * kappa
    up, down = _count_pvalues(observed, expected, kappa)
    variance = expected + kappa * expected**2
    return _findings(
        keys, observed, expected, variance, up, down, windows, total, alpha, min_expected, offset
    )


def _detect_shares(
    keys: list[str],
    y: np.ndarray,
    den: np.ndarray,
    windows: list[int],
    widest: int,
    alpha: float,
    min_expected: float,
    offset: int,
) -> list[Finding]:
    y = np.minimum(y, den)
    total = y.shape[1]
    hist = total - widest
    num_h, den_h = y[:, :hist], den[:, :hist]
    days = min(LEVEL_DAYS, hist // 24)
    recent = slice(hist - days * 24, hist) if days >= 1 else slice(0, hist)
    trials_recent = den_h[:, recent].sum(axis=1)
    if days >= 1:
        share = _robust_level(_day_sums(num_h, days), _day_sums(den_h, days))
    else:
        share = num_h.sum(axis=1) / np.maximum(trials_recent, 1e-12)
    # Half an event of pseudo-count: a series with no events yet is still testable.
    share = (share * trials_recent + 0.5) / (trials_recent + 1.0)
    trailing = _trailing_levels(num_h, den_h)

    cs_num, cs_den = _cumsum(num_h), _cumsum(den_h)
    n_series = len(keys)
    observed = np.zeros((n_series, len(windows)))
    trials = np.zeros((n_series, len(windows)))
    rho = np.zeros((n_series, len(windows)))
    for j, w in enumerate(windows):
        observed[:, j] = y[:, total - w :].sum(axis=1)
        trials[:, j] = den[:, total - w :].sum(axis=1)
        cols = _sample_ends(w, hist)
        x_w = _window_sums(cs_num, w)[:, cols]
        n_w = _window_sums(cs_den, w)[:, cols]
        p_w = np.clip(np.roll(trailing, w - 1, axis=1)[:, cols], 1e-6, 1 - 1e-6)
        valid = np.isfinite(p_w) & np.isfinite(n_w) & (n_w * p_w >= 1.0)
        n_safe = np.where(valid, n_w, 0.0)
        base = n_safe * p_w * (1 - p_w)
        sq_dev = np.where(valid, (np.nan_to_num(x_w) - n_safe * p_w) ** 2, 0.0)
        unit = base * np.maximum(n_safe - 1.0, 0.0)
        rho[:, j] = _extra_variance(sq_dev, base, unit, valid, RHO_SHARES_SHORT)
    expected = share[:, None] * trials
    rho = KAPPA_INFLATION * rho
    up, down = _share_pvalues(observed, trials, share[:, None], rho)
    variance = expected * (1 - share[:, None]) * (1 + np.maximum(trials - 1, 0) * rho)
    return _findings(
        keys, observed, expected, variance, up, down, windows, total, alpha, min_expected, offset
    )


def _simes(p: np.ndarray, tested: np.ndarray) -> np.ndarray:
    """One p-value per row from its tested columns (Simes; valid for positively related tests)."""
    m = tested.sum(axis=1)
    ranked = np.sort(np.where(tested, p, np.inf), axis=1)
    k = np.arange(1, p.shape[1] + 1)[None, :]
    with np.errstate(invalid="ignore"):
        combined = np.where(np.isfinite(ranked), ranked * m[:, None] / k, np.inf).min(axis=1)
    result: np.ndarray = np.where(m > 0, np.minimum(combined, 1.0), 1.0)
    return result


def _findings(
    keys: list[str],
    observed: np.ndarray,
    expected: np.ndarray,
    variance: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
    windows: list[int],
    total: int,
    alpha: float,
    min_expected: float,
    offset: int,
) -> list[Finding]:
    """Series-level decisions: windows combine per series (Simes), series by BH."""
    ratio = observed / np.maximum(expected, 1e-9)
    p_two = np.minimum(1.0, 2.0 * np.minimum(up, down))
    meaningful = np.where(observed > expected, ratio >= MIN_RATIO_UP, ratio <= MAX_RATIO_DOWN)
    tested = expected >= min_expected
    candidate = tested & meaningful
    series_p = _simes(np.where(candidate, p_two, 1.0), tested)
    has_test = tested.any(axis=1)
    q = np.ones(len(keys))
    if has_test.any():
        q[has_test] = _benjamini_hochberg(series_p[has_test])
    z = (observed - expected) / np.sqrt(np.maximum(variance, 1e-12))
    out: list[Finding] = []
    for i in np.flatnonzero((q <= alpha) & candidate.any(axis=1)):
        cols = np.flatnonzero(candidate[i])
        # The window where the deviation stands out most: for a step, about its length.
        j = int(cols[np.argmax(np.abs(z[i, cols]))])
        r = float(ratio[i, j])
        out.append(
            Finding(
                series=keys[i],
                start=offset + total - windows[j],
                end=offset + total - 1,
                observed=round(float(observed[i, j]), 6),
                expected=round(float(expected[i, j]), 6),
                ratio=round(r, 4),
                p_value=float(q[i]),
                direction="up" if observed[i, j] > expected[i, j] else "down",
                severity=_severity(r, float(observed[i, j] - expected[i, j]), float(q[i])),
            )
        )
    out.sort(key=lambda f: (-f.severity, f.p_value, f.series))
    return out


def naive_rule(
    counts: Mapping[str, Sequence[float]],
    ratio: float = 4.0,
    window: int = 24,
    *,
    min_count: float = 5.0,
) -> list[str]:
    """Keys of series whose last ``window`` hours are >= ``ratio`` x the ``window`` before.

    The "up >= 300 % in 24 h" rule that companies ask for, kept for comparison and presets;
    ``min_count`` stops 0 -> 1 from counting as an infinite rise.
    """
    flagged: list[str] = []
    for key, values in counts.items():
        row = np.asarray(values, dtype=np.float64)
        if len(row) < 2 * window:
            continue
        current = float(row[-window:].sum())
        previous = float(row[-2 * window : -window].sum())
        if current >= min_count and current >= ratio * previous:
            flagged.append(key)
    return flagged
