"""Detection: hourly series from the rollups, rule evaluation, and the signals alerts come from."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from voxloop.accounts.models import Workspace
from voxloop.analysis import metrics
from voxloop.feedback.models import Channel, Topic
from voxloop.insights.models import (
    ALL_SEGMENTS,
    AlertRule,
    HourlyRollup,
    Method,
    Metric,
    Preset,
    Scope,
)
from voxloop.insights.services.rollups import floor_hour

log = logging.getLogger(__name__)

HISTORY_HOURS = 28 * 24  # four weeks: enough for hour-of-day and day-of-week baselines
FIELDS = ("n", "negative", "complaints", "promoters", "passives", "detractors")


def alpha_for(sensitivity: int) -> float:
    """Sensitivity 1 (only the clearest incidents) … 10 (the most alerts) → test level."""
    s = min(max(int(sensitivity), 1), 10)
    return float(10 ** (-1.0 - (10 - s) * 0.35))


@dataclass
class Series:
    """Hourly sums of one scope member; index −1 is the current (partial) hour."""

    scope: str
    value: str  # topic id, channel id or segment name ('' for all)
    label: str
    data: dict[str, list[int]]


@dataclass
class Signal:
    key: str
    rule: AlertRule
    metric: str
    scope: str
    scope_value: str
    scope_label: str
    direction: str
    observed: float
    expected: float
    ratio: float | None
    p_value: float | None
    severity: int
    started_at: datetime
    window_hours: int
    channels: list[str] = field(default_factory=list)


@dataclass
class Snapshot:
    """Everything detection reads for one workspace, from the hourly rollups (three queries)."""

    hours: list[datetime]
    series: dict[str, list[Series]]  # scope -> members
    topic_channels: dict[int, dict[int, tuple[int, int]]]  # topic -> channel -> (cur, prev) neg
    channel_names: dict[int, str]
    channel_slugs: dict[int, str]


def _zeros(h: int) -> dict[str, list[int]]:
    return {f: [0] * h for f in FIELDS}


def load_snapshot(
    workspace: Workspace,
    now: datetime,
    spread_hours: int = 24,
    scopes: frozenset[str] = frozenset(Scope.values),
) -> Snapshot:
    """Read the hourly series the given rule scopes need.

    Total rows (channel NULL, segment "*") are unique per hour and topic, so the topic and
    all-feedback series are plain reads; channel and segment series need the detail rows and
    are read only when a rule watches channels or segments.
    """
    end = floor_hour(now)
    hours = [end - timedelta(hours=HISTORY_HOURS - 1 - i) for i in range(HISTORY_HOURS)]
    index = {h: i for i, h in enumerate(hours)}
    h = len(hours)
    base = HourlyRollup.objects.filter(workspace=workspace, hour__gte=hours[0]).order_by()
    by_topic: dict[int, dict[str, list[int]]] = {}
    total = _zeros(h)
    totals = base.filter(channel__isnull=True, segment=ALL_SEGMENTS)
    if Scope.TOPIC not in scopes:
        totals = totals.filter(topic__isnull=True)
    if Scope.ALL not in scopes:
        totals = totals.filter(topic__isnull=False)
    for hour, topic_id, *values in totals.values_list("hour", "topic_id", *FIELDS):
        i = index.get(hour)
        if i is None:
            continue
        if topic_id is None:
            d = total
        else:
            d = by_topic.get(topic_id) or by_topic.setdefault(topic_id, _zeros(h))
        for f, v in zip(FIELDS, values, strict=True):
            d[f][i] += v
    by_channel: dict[int, dict[str, list[int]]] = {}
    by_segment: dict[str, dict[str, list[int]]] = {}
    if Scope.CHANNEL in scopes or Scope.SEGMENT in scopes:
        detail = base.filter(topic__isnull=True, channel__isnull=False)
        for hour, channel_id, segment, *values in detail.values_list(
            "hour", "channel_id", "segment", *FIELDS
        ):
            i = index.get(hour)
            if i is None:
                continue
            for d in (
                by_channel.get(channel_id) or by_channel.setdefault(channel_id, _zeros(h)),
                by_segment.get(segment) or by_segment.setdefault(segment, _zeros(h)),
            ):
                for f, v in zip(FIELDS, values, strict=True):
                    d[f][i] += v
    spread_start = end - timedelta(hours=spread_hours - 1)
    prev_start = spread_start - timedelta(hours=spread_hours)
    topic_channels: dict[int, dict[int, tuple[int, int]]] = {}
    if Scope.TOPIC in scopes:
        spread = (
            base.filter(topic__isnull=False, channel__isnull=False, hour__gte=prev_start)
            .values_list("topic_id", "channel_id")
            .annotate(
                cur=Sum("negative", filter=Q(hour__gte=spread_start)),
                prev=Sum("negative", filter=Q(hour__lt=spread_start)),
            )
        )
        for topic_id, channel_id, cur, prev in spread:
            topic_channels.setdefault(topic_id, {})[channel_id] = (cur or 0, prev or 0)
    channels = list(Channel.objects.filter(workspace=workspace).values_list("id", "name", "slug"))
    names = {cid: name for cid, name, _ in channels}
    slugs = {cid: slug for cid, _, slug in channels}
    topic_names = dict(
        Topic.objects.filter(workspace=workspace, pk__in=list(by_topic)).values_list(
            "id", "name_en"
        )
    )
    return Snapshot(
        hours=hours,
        series={
            Scope.ALL: [Series(Scope.ALL, "", _("All feedback"), total)],
            Scope.TOPIC: [
                Series(Scope.TOPIC, str(t), topic_names.get(t, str(t)), d)
                for t, d in sorted(by_topic.items())
            ],
            Scope.CHANNEL: [
                Series(Scope.CHANNEL, str(c), names.get(c, str(c)), d)
                for c, d in sorted(by_channel.items())
            ],
            Scope.SEGMENT: [
                Series(Scope.SEGMENT, s, s or _("No segment"), d)
                for s, d in sorted(by_segment.items())
            ],
        },
        topic_channels=topic_channels,
        channel_names=names,
        channel_slugs=slugs,
    )


def _members(rule: AlertRule, snap: Snapshot) -> list[Series]:
    members = snap.series.get(rule.scope, [])
    if rule.scope == Scope.ALL or not rule.scope_value:
        return members
    wanted = rule.scope_value
    if rule.scope == Scope.CHANNEL:  # rules name channels by slug
        wanted = next((str(c) for c, s in snap.channel_slugs.items() if s == wanted), "")
    return [m for m in members if m.value == wanted]


def _counts_field(metric: str) -> str:
    fields: dict[str, str] = {Metric.VOLUME: "n", Metric.COMPLAINTS: "complaints"}
    return fields.get(metric, "negative")


def _spread(snap: Snapshot, series: Series) -> list[str]:
    if series.scope != Scope.TOPIC:
        return []
    per_channel = snap.topic_channels.get(int(series.value), {})
    return sorted(snap.channel_names.get(c, str(c)) for c, (cur, _p) in per_channel.items() if cur)


def severity_for(ratio: float | None, observed: float, channels: int) -> int:
    """1–10 from the effect size, the absolute size and the spread across channels."""
    r = ratio if ratio is not None and math.isfinite(ratio) else 10.0
    sev = 1.0 + 2.5 * math.log2(max(r, 1.0))
    if observed >= 50:
        sev += 1
    if channels >= 2:
        sev += 1
    if channels >= 3:
        sev += 1
    return int(min(max(round(sev), 1), 10))


def _signal(
    rule: AlertRule,
    s: Series,
    snap: Snapshot,
    *,
    metric: str,
    observed: float,
    expected: float,
    start: int,
    direction: str = "up",
    p_value: float | None = None,
    severity: int | None = None,
    ratio: float | None = None,
) -> Signal:
    channels = _spread(snap, s)
    if ratio is None:
        ratio = (observed / expected) if expected > 0 else math.inf
    if severity is None:
        severity = severity_for(ratio, observed, len(channels))
    elif len(channels) >= 2:
        severity = min(10, severity + (1 if len(channels) == 2 else 2))
    family = "negative" if metric in (Metric.NEGATIVE, Metric.NEGATIVE_SHARE) else metric
    return Signal(
        key=f"{s.scope}:{s.value}:{family}:{direction}",
        rule=rule,
        metric=metric,
        scope=s.scope,
        scope_value=s.value,
        scope_label=s.label,
        direction=direction,
        observed=float(observed),
        expected=float(expected),
        ratio=None if not math.isfinite(ratio) else float(ratio),
        p_value=p_value,
        severity=int(min(max(severity, 1), 10)),
        started_at=snap.hours[max(0, min(start, len(snap.hours) - 1))],
        window_hours=rule.window_hours,
        channels=channels,
    )


def _windows(values: Sequence[int], w: int) -> tuple[int, int]:
    return sum(values[-w:]), sum(values[-2 * w : -w])


def _first_active_hour(values: Sequence[int], w: int) -> int:
    h = len(values)
    for i in range(h - w, h):
        if values[i]:
            return i
    return h - 1


def _threshold_counts(rule: AlertRule, snap: Snapshot, metric: str) -> list[Signal]:
    w = max(1, min(rule.window_hours, HISTORY_HOURS // 2))
    out = []
    f = _counts_field(metric)
    for s in _members(rule, snap):
        cur, prev = _windows(s.data[f], w)
        if cur < rule.min_count:
            continue
        if cur >= prev * (1 + rule.threshold / 100.0) and cur > prev:
            test = metrics.compare_volumes(cur, prev)
            out.append(
                _signal(
                    rule,
                    s,
                    snap,
                    metric=metric,
                    observed=cur,
                    expected=prev,
                    start=_first_active_hour(s.data[f], w),
                    p_value=test.p_value,
                )
            )
    return out


def _threshold_share(rule: AlertRule, snap: Snapshot) -> list[Signal]:
    w = max(1, min(rule.window_hours, HISTORY_HOURS // 2))
    out = []
    for s in _members(rule, snap):
        neg, neg0 = _windows(s.data["negative"], w)
        n, n0 = _windows(s.data["n"], w)
        if n < rule.min_count or n0 == 0:
            continue
        test = metrics.compare_shares(neg, n, neg0, n0)
        if test.delta is not None and test.delta >= rule.threshold:
            out.append(
                _signal(
                    rule,
                    s,
                    snap,
                    metric=Metric.NEGATIVE_SHARE,
                    observed=test.current or 0.0,
                    expected=test.previous or 0.0,
                    start=len(snap.hours) - w,
                    p_value=test.p_value,
                )
            )
    return out


def _nps_parts(s: Series, lo: int, hi: int) -> tuple[int, int, int]:
    return (
        sum(s.data["promoters"][lo:hi]),
        sum(s.data["passives"][lo:hi]),
        sum(s.data["detractors"][lo:hi]),
    )


def _nps_drop(rule: AlertRule, snap: Snapshot, statistical: bool) -> list[Signal]:
    w = max(1, min(rule.window_hours, HISTORY_HOURS // 2))
    h = len(snap.hours)
    out = []
    for s in _members(rule, snap):
        cur = _nps_parts(s, h - w, h)
        base_lo = h - w - (min(4 * w, h - w) if statistical else w)
        prev = _nps_parts(s, max(0, base_lo), h - w)
        if sum(cur) < rule.min_count or sum(prev) < rule.min_count:
            continue
        test = metrics.compare_nps(cur, prev)
        if test.delta is None or test.p_value is None:
            continue
        drop = -test.delta
        fired = (
            test.p_value < alpha_for(rule.sensitivity) and drop > 0
            if statistical
            else drop >= rule.threshold
        )
        if fired:
            out.append(
                _signal(
                    rule,
                    s,
                    snap,
                    metric=Metric.NPS,
                    observed=test.current or 0.0,
                    expected=test.previous or 0.0,
                    start=h - w,
                    direction="down",
                    p_value=test.p_value,
                    ratio=None if drop <= 0 else 1 + drop / 10.0,
                    severity=int(min(10, 1 + drop // 5)),
                )
            )
    return out


def _multi_channel(rule: AlertRule, snap: Snapshot) -> list[Signal]:
    need = max(2, int(rule.threshold))
    out = []
    for s in _members(rule, snap) if rule.scope == Scope.TOPIC else []:
        per_channel = snap.topic_channels.get(int(s.value), {})
        now_in = [c for c, (cur, _p) in per_channel.items() if cur]
        before = [c for c, (_c, prev) in per_channel.items() if prev]
        total = sum(cur for cur, _p in per_channel.values())
        if len(now_in) >= need and len(before) < need and total >= rule.min_count:
            prev_total = sum(prev for _c, prev in per_channel.values())
            out.append(
                _signal(
                    rule,
                    s,
                    snap,
                    metric=Metric.NEGATIVE,
                    observed=total,
                    expected=prev_total,
                    start=_first_active_hour(s.data["negative"], rule.window_hours),
                    severity=min(10, 3 + 2 * len(now_in) + (1 if total >= 50 else 0)),
                )
            )
    return out


Detector = Any  # voxloop.analysis.anomaly.detect


def _statistical(rule: AlertRule, snap: Snapshot, detect: Detector) -> list[Signal]:
    members = _members(rule, snap)
    if not members:
        return []
    metric = rule.metric
    field_name = _counts_field(metric)
    counts: dict[str, Sequence[float]] = {m.value: m.data[field_name] for m in members}
    denominators: Mapping[str, Sequence[float]] | None = None
    if metric == Metric.NEGATIVE_SHARE:
        denominators = {m.value: m.data["n"] for m in members}
    findings = detect(
        counts,
        denominators=denominators,
        alpha=alpha_for(rule.sensitivity),
        max_window=max(1, min(rule.window_hours, 48)),
    )
    by_value = {m.value: m for m in members}
    last = len(snap.hours) - 1
    out = []
    for fnd in findings:
        s = by_value.get(str(fnd.series))
        if s is None or fnd.end < last - 1:  # only what is still going on
            continue
        if fnd.direction == "down" and metric != Metric.VOLUME:
            continue
        if fnd.observed < rule.min_count and fnd.direction == "up":
            continue
        out.append(
            _signal(
                rule,
                s,
                snap,
                metric=metric,
                observed=fnd.observed,
                expected=fnd.expected,
                start=fnd.start,
                direction=fnd.direction,
                p_value=fnd.p_value,
                severity=int(fnd.severity),
                ratio=fnd.ratio,
            )
        )
    return out


def evaluate(rule: AlertRule, snap: Snapshot, detect: Detector | None) -> list[Signal]:
    """The signals one rule raises on a snapshot."""
    if rule.preset == Preset.MULTI_CHANNEL:
        return _multi_channel(rule, snap)
    if rule.metric == Metric.NPS:
        return _nps_drop(rule, snap, statistical=rule.method == Method.STATISTICAL)
    if rule.method == Method.STATISTICAL:
        if detect is None:
            log.warning("rule %s needs voxloop.analysis.anomaly, which is not available", rule.pk)
            return []
        return _statistical(rule, snap, detect)
    if rule.metric == Metric.NEGATIVE_SHARE:
        return _threshold_share(rule, snap)
    return _threshold_counts(rule, snap, rule.metric)


def load_detector() -> Detector | None:
    try:
        from voxloop.analysis.anomaly import detect
    except ImportError:
        return None
    return detect
