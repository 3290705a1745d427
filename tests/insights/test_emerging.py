"""Emerging issues: new or fast-growing suggested themes raise one alert each, as a preset rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories
from tests.insights.conftest import add
from voxloop.feedback.models import ThemeMember, ThemeSuggestion
from voxloop.feedback.services.theme_actions import do_accept_theme, do_dismiss_theme
from voxloop.insights.models import Alert, AlertRule, AlertState, Metric, Preset, Scope
from voxloop.insights.services import alerts as alert_services
from voxloop.insights.services import do_create_rule, do_detect
from voxloop.insights.services.emerging import emerging_severity, theme_key


@pytest.fixture(autouse=True)
def quiet(monkeypatch: Any) -> None:
    monkeypatch.setattr(alert_services, "send_alert", lambda a, s: [])


def _theme(
    shop: Any,
    *,
    recent: int,
    previous: int,
    first_seen_hours: float,
    channels: tuple[Any, ...] = (),
    label: str = "包装 / 漏液 / leaking",
) -> ThemeSuggestion:
    spread = channels or (shop.api,)
    items = [
        add(shop, 1 + i, sentiment="negative", channel=spread[i % len(spread)]) for i in range(6)
    ]
    s = ThemeSuggestion.objects.create(
        workspace=shop.ws,
        label=label,
        keyphrases=label.split(" / "),
        size=recent + previous,
        recent_count=recent,
        previous_count=previous,
        channels=[c.pk for c in spread],
        representatives=[i.pk for i in items[:5]],
        centroid=np.ones(512, dtype=np.float32).tobytes(),
        first_seen=shop.now - timedelta(hours=first_seen_hours),
        last_seen=shop.now - timedelta(hours=1),
    )
    ThemeMember.objects.bulk_create([ThemeMember(suggestion=s, item=i) for i in items])
    return s


def _alert(s: ThemeSuggestion) -> Alert:
    return Alert.objects.get(workspace=s.workspace, key=theme_key(s.pk))


def test_preset_is_a_default_rule_that_can_be_switched_off(shop: Any) -> None:
    do_detect(shop.ws.pk, now=shop.now)
    rule = AlertRule.objects.get(workspace=shop.ws, preset=Preset.EMERGING_THEME)
    assert (rule.scope, rule.metric, rule.enabled) == (Scope.THEME, Metric.EMERGING, True)
    assert (rule.threshold, rule.window_hours, rule.min_count) == (100.0, 48, 10)
    s = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12)
    AlertRule.objects.filter(pk=rule.pk).update(enabled=False)
    do_detect(shop.ws.pk, now=shop.now)
    assert not Alert.objects.filter(key=theme_key(s.pk)).exists()


def test_growing_theme_raises_one_alert_with_evidence_and_inbox_link(shop: Any) -> None:
    s = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12)
    steady = _theme(shop, recent=12, previous=10, first_seen_hours=24 * 20, label="steady")
    small = _theme(shop, recent=6, previous=0, first_seen_hours=24 * 5, label="small")
    do_detect(shop.ws.pk, now=shop.now)
    alert = _alert(s)
    assert (alert.observed, alert.expected, alert.ratio) == (30.0, 5.0, 6.0)
    assert (alert.scope, alert.metric, alert.state) == (Scope.THEME, Metric.EMERGING, "open")
    assert alert.evidence == s.representatives
    assert alert.inbox_url == f"{reverse('web:inbox')}?theme={s.pk}"
    assert "包装 / 漏液 / leaking" in alert.title and "30" in alert.title
    assert alert.started_at == shop.now - timedelta(days=7)
    assert 1 <= alert.severity <= 10
    assert not Alert.objects.filter(key__in=[theme_key(steady.pk), theme_key(small.pk)]).exists()
    ThemeSuggestion.objects.filter(pk=s.pk).update(recent_count=40)
    do_detect(shop.ws.pk, now=shop.now + timedelta(minutes=10))
    assert Alert.objects.filter(key=theme_key(s.pk)).count() == 1  # one alert per theme
    assert _alert(s).observed == 40.0


def test_new_theme_raises_an_alert_since_its_first_item(shop: Any) -> None:
    s = _theme(shop, recent=12, previous=0, first_seen_hours=20)
    old = _theme(shop, recent=12, previous=12, first_seen_hours=24 * 10, label="old")
    do_detect(shop.ws.pk, now=shop.now)
    alert = _alert(s)
    assert alert.started_at == s.first_seen and alert.expected == 0 and alert.ratio is None
    assert not Alert.objects.filter(key=theme_key(old.pk)).exists()


def test_spread_across_channels_raises_severity(shop: Any) -> None:
    one = _theme(shop, recent=20, previous=5, first_seen_hours=24 * 12, label="one channel")
    two = _theme(
        shop,
        recent=20,
        previous=5,
        first_seen_hours=24 * 12,
        channels=(shop.api, shop.app),
        label="two channels",
    )
    do_detect(shop.ws.pk, now=shop.now)
    assert _alert(two).severity > _alert(one).severity
    assert sorted(_alert(two).channels) == ["API", "App"]
    assert emerging_severity(20, 5, 25, 3) > emerging_severity(20, 5, 25, 2)
    assert emerging_severity(40, 5, 45, 1) > emerging_severity(20, 5, 25, 1)


def test_deciding_on_the_theme_resolves_its_alert(shop: Any, world: Any) -> None:
    s = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12)
    accepted = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12, label="accepted")
    do_detect(shop.ws.pk, now=shop.now)
    actor = factories.actor(shop.ws, world.alice)
    do_dismiss_theme(actor, s.pk)
    do_accept_theme(actor, accepted.pk, name_en="Accepted", name_zh="接受")
    assert (_alert(s).state, _alert(s).resolution) == (AlertState.RESOLVED, "dismissed")
    assert _alert(accepted).resolution == "accepted"
    do_detect(shop.ws.pk, now=shop.now + timedelta(minutes=5))
    assert Alert.objects.filter(state__in=["open", "acknowledged", "muted"]).count() == 0


def test_alert_resolves_when_the_theme_stops_growing(shop: Any) -> None:
    s = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12)
    do_detect(shop.ws.pk, now=shop.now)
    ThemeSuggestion.objects.filter(pk=s.pk).update(recent_count=8, previous_count=30)
    do_detect(shop.ws.pk, now=shop.now + timedelta(minutes=10))
    assert _alert(s).state == AlertState.OPEN  # not seen for an hour yet
    do_detect(shop.ws.pk, now=shop.now + timedelta(hours=2))
    assert (_alert(s).state, _alert(s).resolution) == (AlertState.RESOLVED, "recovered")


def test_only_the_preset_watches_themes(shop: Any, world: Any) -> None:
    actor = factories.actor(shop.ws, world.alice)
    base = {
        "name": "custom",
        "enabled": True,
        "preset": Preset.CUSTOM,
        "scope": Scope.THEME,
        "scope_value": "",
        "metric": Metric.VOLUME,
        "method": "threshold",
        "sensitivity": 7,
        "threshold": 100.0,
        "window_hours": 24,
        "min_count": 5,
        "cooldown_minutes": 60,
        "destinations": [],
    }
    with pytest.raises(ValidationError) as err:
        do_create_rule(actor, base)
    assert "scope" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        do_create_rule(actor, {**base, "scope": Scope.TOPIC, "metric": Metric.EMERGING})
    assert "metric" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        do_create_rule(actor, {**base, "preset": Preset.EMERGING_THEME, "scope_value": "3"})
    assert "scope_value" in err.value.message_dict
    rule = do_create_rule(actor, {**base, "preset": Preset.EMERGING_THEME, "threshold": 50.0})
    assert (rule.scope, rule.metric) == (Scope.THEME, Metric.EMERGING)


def test_outsider_cannot_see_the_alert(client: Any, shop: Any, world: Any) -> None:
    s = _theme(shop, recent=30, previous=5, first_seen_hours=24 * 12)
    do_detect(shop.ws.pk, now=shop.now)
    alert = _alert(s)
    client.force_login(world.vera)
    page = client.get(reverse("insights:alert", args=[alert.pk]))
    assert page.status_code == 200 and "Suggested theme" in page.content.decode()
    client.force_login(world.charlie)
    assert client.get(reverse("insights:alert", args=[alert.pk])).status_code == 404
