"""Detection on rollups: one alert per issue, updated while it grows; lifecycle and cooldown."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.insights.conftest import add
from voxloop.insights.models import Alert, AlertRule, AlertState, Method, Metric, Preset, Scope
from voxloop.insights.services import alerts as alert_services
from voxloop.insights.services import (
    do_acknowledge_alert,
    do_detect,
    do_mute_alert,
    do_resolve_alert,
    do_update_rollups,
)


def _rule(shop: Any, **kw: Any) -> AlertRule:
    fields = {
        "name": "negative spike",
        "preset": Preset.NEGATIVE_SPIKE,
        "scope": Scope.TOPIC,
        "metric": Metric.NEGATIVE,
        "method": Method.THRESHOLD,
        "threshold": 300.0,
        "window_hours": 24,
        "min_count": 5,
        "destinations": [41],
    }
    fields.update(kw)
    return AlertRule.objects.create(workspace=shop.ws, **fields)


def _negatives(
    shop: Any, count: int, start: float, spread: float, channel: Any = None
) -> list[int]:
    return [
        add(
            shop,
            start + spread * i / max(count, 1),
            sentiment="negative",
            kind="complaint",
            topics=((shop.late, "negative"),),
            channel=channel,
        ).pk
        for i in range(count)
    ]


@pytest.fixture
def sent(monkeypatch: Any) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(alert_services, "send_alert", lambda a, s: calls.append((a, s)) or [])
    return calls


def test_planted_burst_opens_one_alert_and_updates_it(
    shop: Any, sent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _rule(shop)
    ids = _negatives(shop, 3, 30, 12)  # baseline: 3 negatives the day before
    ids += _negatives(shop, 14, 0.2, 3)  # burst: 14 in the last three hours
    do_update_rollups(shop.ws.pk, ids)
    with django_capture_on_commit_callbacks(execute=True):
        first = do_detect(shop.ws.pk, now=shop.now)
    alerts = list(Alert.objects.filter(workspace=shop.ws))
    assert len(alerts) == 1  # "Delivery" rises only through "Late delivery": one alert
    late = Alert.objects.get(scope_value=str(shop.late.pk))
    assert set(first) == {a.pk for a in alerts}
    assert late.state == AlertState.OPEN
    assert (late.observed, late.expected) == (14.0, 3.0)
    assert late.metric == Metric.NEGATIVE and late.direction == "up"
    assert 1 <= late.severity <= 10
    assert len(late.evidence) == 5
    assert f"topic={shop.late.pk}" in late.inbox_url and "sentiment=negative" in late.inbox_url
    assert late.started_at <= shop.now
    assert (late.pk, late.severity) in sent

    # The burst grows: the same alert is updated, not duplicated, and escalation notifies.
    more = _negatives(shop, 60, 0.1, 1, channel=shop.app)
    do_update_rollups(shop.ws.pk, more)
    with django_capture_on_commit_callbacks(execute=True):
        do_detect(shop.ws.pk, now=shop.now + timedelta(minutes=1))
    assert Alert.objects.filter(workspace=shop.ws, key=late.key).count() == 1
    grown = Alert.objects.get(pk=late.pk)
    assert grown.observed == 74.0
    assert grown.severity > late.severity and grown.peak_severity == grown.severity
    assert sorted(grown.channels) == ["API", "App"]
    assert (grown.pk, grown.severity) in sent
    assert len([c for c in sent if c[0] == late.pk]) == 2


def test_no_alert_below_threshold_or_minimum(shop: Any, sent: Any) -> None:
    _rule(shop, min_count=20)
    ids = _negatives(shop, 5, 30, 10) + _negatives(shop, 15, 1, 5)
    do_update_rollups(shop.ws.pk, ids)
    assert do_detect(shop.ws.pk, now=shop.now) == []
    assert not Alert.objects.exists()


def test_lifecycle_ack_mute_resolve_cooldown_and_recovery(shop: Any, world: Any) -> None:
    _rule(shop, destinations=[], cooldown_minutes=120)
    do_update_rollups(shop.ws.pk, _negatives(shop, 2, 30, 5) + _negatives(shop, 12, 1, 2))
    do_detect(shop.ws.pk, now=shop.now)
    alert = Alert.objects.get(scope_value=str(shop.late.pk))
    alice = factories.actor(shop.ws, world.alice)
    vera = factories.actor(shop.ws, world.vera)
    with pytest.raises(PermissionDenied):
        do_acknowledge_alert(vera, alert.pk)
    assert do_acknowledge_alert(alice, alert.pk).state == AlertState.ACKNOWLEDGED
    muted = do_mute_alert(alice, alert.pk, 2)
    assert muted.state == AlertState.MUTED and muted.muted_until is not None
    with pytest.raises(ValidationError):
        do_mute_alert(alice, alert.pk, 0)
    # Still firing after the mute ended: back to open, same row.
    do_detect(shop.ws.pk, now=muted.muted_until + timedelta(minutes=1))
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN
    resolved = do_resolve_alert(alice, alert.pk)
    assert resolved.state == AlertState.RESOLVED and resolved.resolution == "manual"
    with pytest.raises(ValidationError):
        do_acknowledge_alert(alice, alert.pk)
    # Within the cooldown the same issue does not reopen ...
    do_detect(shop.ws.pk, now=resolved.resolved_at + timedelta(minutes=30))
    assert not Alert.objects.filter(key=alert.key, state=AlertState.OPEN).exists()
    # ... after it, it does, as a new alert.
    later = resolved.resolved_at + timedelta(minutes=121)
    do_detect(shop.ws.pk, now=later)
    reopened = Alert.objects.get(key=alert.key, state=AlertState.OPEN)
    assert reopened.pk != alert.pk
    # Once the burst has left the window, the alert resolves itself as recovered.
    do_detect(shop.ws.pk, now=later + timedelta(days=2))
    reopened.refresh_from_db()
    assert reopened.state == AlertState.RESOLVED and reopened.resolution == "recovered"


def test_other_presets(shop: Any, sent: Any) -> None:
    s = shop
    AlertRule.objects.create(
        workspace=s.ws,
        name="wow",
        preset=Preset.COMPLAINTS_WOW,
        scope=Scope.ALL,
        metric=Metric.COMPLAINTS,
        method=Method.THRESHOLD,
        threshold=15.0,
        window_hours=168,
        min_count=10,
    )
    AlertRule.objects.create(
        workspace=s.ws,
        name="nps",
        preset=Preset.NPS_DROP,
        scope=Scope.ALL,
        metric=Metric.NPS,
        method=Method.THRESHOLD,
        threshold=20.0,
        window_hours=168,
        min_count=10,
    )
    AlertRule.objects.create(
        workspace=s.ws,
        name="spread",
        preset=Preset.MULTI_CHANNEL,
        scope=Scope.TOPIC,
        metric=Metric.NEGATIVE,
        method=Method.THRESHOLD,
        threshold=2.0,
        window_hours=24,
        min_count=4,
    )
    ids = []
    # previous week: 10 complaints, NPS +60 (12 promoters, 4 passives, 4 detractors... of 20)
    for i in range(20):
        kind = "complaint" if i < 10 else "praise"
        nps = 10 if i < 12 else (7 if i < 16 else 3)
        ids.append(add(s, 200 + i, kind=kind, nps=nps, sentiment="neutral").pk)
    # this week: 15 complaints (+50 %), NPS -40 (4 promoters, 4 passives, 12 detractors)
    for i in range(20):
        kind = "complaint" if i < 15 else "praise"
        nps = 10 if i < 4 else (7 if i < 8 else 2)
        ids.append(add(s, 30 + i, kind=kind, nps=nps, sentiment="neutral").pk)
    # Price shows up negative in two channels within 24 h (never before).
    ids += [add(s, 2, sentiment="negative", topics=((s.price, "negative"),)).pk for _ in range(3)]
    ids += [
        add(s, 3, sentiment="negative", topics=((s.price, "negative"),), channel=s.app).pk
        for _ in range(2)
    ]
    do_update_rollups(s.ws.pk, ids)
    do_detect(s.ws.pk, now=s.now)
    by_metric = {a.metric: a for a in Alert.objects.filter(workspace=s.ws)}
    assert by_metric[Metric.COMPLAINTS].observed == 15.0
    assert by_metric[Metric.COMPLAINTS].expected == 10.0
    nps_alert = by_metric[Metric.NPS]
    assert nps_alert.direction == "down"
    assert nps_alert.observed == pytest.approx(-40.0) and nps_alert.expected == pytest.approx(40.0)
    spread = Alert.objects.get(scope_value=str(s.price.pk))
    assert sorted(spread.channels) == ["API", "App"]


def test_default_rules_are_installed_once(shop: Any) -> None:
    do_detect(shop.ws.pk, now=shop.now)
    n = AlertRule.objects.filter(workspace=shop.ws).count()
    assert n == 6
    do_detect(shop.ws.pk, now=shop.now)
    assert AlertRule.objects.filter(workspace=shop.ws).count() == n


def test_statistical_rule_uses_anomaly_detect(shop: Any) -> None:
    pytest.importorskip("voxloop.analysis.anomaly")
    _rule(shop, preset=Preset.CUSTOM, method=Method.STATISTICAL, sensitivity=7, destinations=[])
    rnd = random.Random(4)
    ids = []
    for day in range(1, 21):  # a background of six negatives a day at random hours
        for _ in range(6):
            ids += _negatives(shop, 1, 24 * day - rnd.random() * 24, 0)
    ids += _negatives(shop, 25, 0.1, 2)
    do_update_rollups(shop.ws.pk, ids)
    do_detect(shop.ws.pk, now=shop.now)
    late = Alert.objects.get(scope_value=str(shop.late.pk))
    assert late.observed >= 20 and late.p_value is not None and late.p_value < 0.01
