"""Dashboard, alert centre and rule pages: permissions, filters, garbage, exports, query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse

from tests.insights.conftest import add
from voxloop.insights.dashboard import CHARTS
from voxloop.insights.models import Alert, AlertRule, AlertState
from voxloop.insights.services import do_detect, do_update_rollups


def _seed(shop: Any) -> None:
    s = shop
    ids = [
        add(
            s,
            2 + i,
            sentiment="negative",
            kind="complaint",
            nps=2,
            csat=2,
            topics=((s.late, "negative"),),
            customer=s.vip,
        ).pk
        for i in range(6)
    ]
    ids += [
        add(
            s,
            30 + i,
            sentiment="positive",
            kind="praise",
            nps=10,
            csat=5,
            ces=2,
            topics=((s.price, "positive"),),
            channel=s.app,
            customer=s.regular,
        ).pk
        for i in range(4)
    ]
    ids += [add(s, 24 * 9 + i, sentiment="neutral", nps=8).pk for i in range(3)]  # last period
    do_update_rollups(s.ws.pk, ids)


def _seed_spike_alerts(shop: Any) -> None:
    """The seeded feedback, a threshold rule on negative spikes, and one detection run."""
    _seed(shop)
    AlertRule.objects.create(
        workspace=shop.ws,
        name="x",
        threshold=100.0,
        min_count=1,
        preset="negative_spike",
        metric="negative",
        method="threshold",
    )
    do_detect(shop.ws.pk, now=shop.now)


def test_dashboard_page_for_viewer(shop: Any, world: Any, login: Any) -> None:
    _seed(shop)
    client = login(world.vera)
    r = client.get(reverse("insights:dashboard"), {"period": "7", "channel": "api"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "vendor/echarts.min.js" in body and 'id="tiles"' in body
    assert "period=7&amp;channel=api&amp;format=csv" in body  # exports keep the filters


def test_dashboard_data_json_matches_hand_counts(shop: Any, world: Any, login: Any) -> None:
    _seed(shop)
    client = login(world.alice)
    r = client.get(reverse("insights:data"), {"period": "7"})
    assert r.status_code == 200
    data = r.json()
    assert set(data) == set(CHARTS)
    tiles = data["kpis"]["tiles"]
    # 6 detractors, 4 promoters -> NPS = 100 * (4 - 6) / 10 = -20; CSAT 4 of 10 satisfied.
    assert tiles["nps"]["value"] == -20.0 and tiles["nps"]["n"] == 10
    assert tiles["nps"]["small_sample"] is True
    assert tiles["csat"]["value"] == 40.0
    assert tiles["volume"]["value"] == 10.0
    assert tiles["negative_share"]["value"] == 60.0
    assert tiles["ces"]["value"] == 2.0
    assert sum(data["timeseries"]["volume"]) == 10 and len(data["timeseries"]["days"]) == 7
    movers = {m["name"]: m for m in data["movers"]}
    assert movers["Late delivery"]["negative"] == 6
    assert data["drivers"][0]["name"] in ("Late delivery", "Delivery")
    assert data["drivers"][0]["nps_impact"] < 0
    assert {w["text"] for w in data["wordcloud"]} >= {"配送慢"}
    assert {c["name"] for c in data["channels"]} == {"API", "App"}
    assert {s["name"] for s in data["segments"]} == {"vip", "regular"}
    heat = data["heatmap"]
    assert "Late delivery" in heat["topics"]
    # Filters narrow every figure: the app channel only has the praise.
    only_app = client.get(reverse("insights:data"), {"period": "7", "channel": "app"}).json()
    assert only_app["kpis"]["tiles"]["volume"]["value"] == 4.0
    vip = client.get(reverse("insights:data"), {"segment": "vip"}).json()
    assert vip["kpis"]["tiles"]["volume"]["value"] == 6.0
    topic = client.get(reverse("insights:data"), {"topic": str(shop.delivery.pk)}).json()
    assert topic["kpis"]["tiles"]["negative_share"]["value"] == 100.0
    # The previous period has the three neutral items (days 8-14).
    prev = data["kpis"]["tiles"]["volume"]["change"]
    assert prev["previous"] == 3.0


def test_chart_csv_export(shop: Any, world: Any, login: Any) -> None:
    _seed(shop)
    client = login(world.vera)
    for chart in CHARTS:
        r = client.get(reverse("insights:chart", args=[chart]), {"format": "csv", "period": "30"})
        assert r.status_code == 200, chart
        assert r["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0], chart
    kpi_rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("insights:chart", args=["kpis"]), {"format": "csv", "period": "7"}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert kpi_rows[1][0] == "nps" and float(kpi_rows[1][1]) == -20.0
    assert client.get(reverse("insights:chart", args=["nope"])).status_code == 404


def test_garbage_filters_name_the_field(shop: Any, world: Any, login: Any) -> None:
    client = login(world.alice)
    r = client.get(reverse("insights:data"), {"period": "13", "topic": "abc", "channel": "x"})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"period", "topic", "channel"}
    r = client.get(reverse("insights:data"), {"format": "xml"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "format"
    assert client.get(reverse("insights:dashboard"), {"period": "x"}).status_code == 400


def test_dashboard_data_query_count(
    shop: Any, world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    _seed(shop)
    client = login(world.alice)
    client.get(reverse("insights:data"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("insights:data"), {"topic": shop.delivery.pk}).status_code == 200


def test_outsider_sees_only_their_workspace(shop: Any, world: Any, login: Any) -> None:
    _seed_spike_alerts(shop)
    alert = Alert.objects.filter(workspace=shop.ws).first()
    assert alert is not None
    rule = AlertRule.objects.get(workspace=shop.ws)
    client = login(world.charlie)
    data = client.get(reverse("insights:data")).json()
    assert data["kpis"]["tiles"]["volume"]["value"] == 0.0
    # acme's topic is not a choice in globex: a clear error, no data
    r = client.get(reverse("insights:data"), {"topic": shop.late.pk})
    assert r.status_code == 400
    assert client.get(reverse("insights:alert", args=[alert.pk])).status_code == 404
    r = client.post(reverse("insights:alert_action", args=[alert.pk, "resolve"]))
    assert r.status_code == 404
    assert client.get(reverse("insights:rule_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("insights:rule_delete", args=[rule.pk])).status_code == 404
    assert str(alert.title) not in client.get(reverse("insights:alerts")).content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_alert_centre_list_detail_and_actions(shop: Any, world: Any, login: Any) -> None:
    _seed_spike_alerts(shop)
    alert = Alert.objects.filter(workspace=shop.ws).order_by("id").first()
    assert alert is not None
    viewer = login(world.vera)
    page = viewer.get(reverse("insights:alerts")).content.decode()
    assert alert.title in page
    detail = viewer.get(reverse("insights:alert", args=[alert.pk])).content.decode()
    assert alert.inbox_url.replace("&", "&amp;") in detail
    assert 'id="evidence"' in detail and f'data-item="{alert.evidence[0]}"' in detail
    assert "Acknowledge" not in detail  # viewers read only
    assert (
        viewer.post(reverse("insights:alert_action", args=[alert.pk, "resolve"])).status_code == 403
    )
    agent = login(world.bob)
    r = agent.post(reverse("insights:alert_action", args=[alert.pk, "acknowledge"]))
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == world.bob
    r = agent.post(reverse("insights:alert_action", args=[alert.pk, "mute"]), {"hours": "0"})
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED  # refused: the hours were impossible
    agent.post(reverse("insights:alert_action", args=[alert.pk, "mute"]), {"hours": "3"})
    alert.refresh_from_db()
    assert alert.state == AlertState.MUTED
    agent.post(reverse("insights:alert_action", args=[alert.pk, "resolve"]))
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert alert.title not in agent.get(reverse("insights:alerts")).content.decode()
    assert alert.title in agent.get(reverse("insights:alerts"), {"state": "all"}).content.decode()
    assert agent.get(reverse("insights:alerts"), {"state": "bogus"}).status_code == 400
    assert (
        agent.post(reverse("insights:alert_action", args=[alert.pk, "explode"])).status_code == 404
    )


def test_alert_list_query_count(
    shop: Any, world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    _seed_spike_alerts(shop)
    client = login(world.alice)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("insights:alerts")).status_code == 200


def test_rule_pages_permissions_and_errors(shop: Any, world: Any, login: Any) -> None:
    viewer = login(world.vera)
    assert viewer.get(reverse("insights:rules")).status_code == 200
    assert viewer.get(reverse("insights:rule_new")).status_code == 403
    assert viewer.post(reverse("insights:rule_new"), {"name": "x"}).status_code == 403
    agent = login(world.bob)
    assert agent.get(reverse("insights:rule_new")).status_code == 403
    owner = login(world.alice)
    assert owner.get(reverse("insights:rule_new")).status_code == 200
    bad = {
        "name": "",
        "preset": "custom",
        "scope": "topic",
        "scope_value": "999999",
        "metric": "negative",
        "method": "threshold",
        "sensitivity": "11",
        "threshold": "-5",
        "window_hours": "0",
        "min_count": "5",
        "cooldown_minutes": "60",
    }
    r = owner.post(reverse("insights:rule_new"), bad)
    assert r.status_code == 400
    body = r.content.decode()
    for field in ("name", "sensitivity", "window_hours"):
        assert f'data-field="{field}"' in body, field
    bad.update(name="ok", sensitivity="5", window_hours="24")
    body = owner.post(reverse("insights:rule_new"), bad).content.decode()
    assert 'data-field="threshold"' in body and 'data-field="scope_value"' in body
    good = {**bad, "threshold": "300", "scope_value": str(shop.late.pk), "enabled": "on"}
    r = owner.post(reverse("insights:rule_new"), good)
    assert r.status_code == 302
    rule = AlertRule.objects.get(workspace=shop.ws, name="ok")
    assert rule.scope_value == str(shop.late.pk) and rule.threshold == 300.0
    r = owner.post(reverse("insights:rule_edit", args=[rule.pk]), {**good, "threshold": "150"})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.threshold == 150.0
    assert owner.get(reverse("insights:rule_edit", args=[rule.pk])).status_code == 200
    assert owner.post(reverse("insights:rule_delete", args=[rule.pk])).status_code == 302
    assert not AlertRule.objects.filter(pk=rule.pk).exists()


def test_alert_titles_follow_the_viewers_language(shop: Any, world: Any, login: Any) -> None:
    _seed_spike_alerts(shop)  # raised by the worker, in the server's language
    alert = Alert.objects.get(workspace=shop.ws, scope="topic", scope_value=str(shop.late.pk))
    assert "Late delivery" in alert.title
    viewer = login(world.vera)
    zh = {"Accept-Language": "zh-hans"}
    listed = viewer.get(reverse("insights:alerts"), headers=zh).content.decode()
    assert "“配送延迟”的负面反馈" in listed and alert.title not in listed
    detail = viewer.get(reverse("insights:alert", args=[alert.pk]), headers=zh).content.decode()
    assert "“配送延迟”的负面反馈" in detail
    english = viewer.get(reverse("insights:alerts"), headers={"Accept-Language": "en"})
    assert alert.title in english.content.decode()
