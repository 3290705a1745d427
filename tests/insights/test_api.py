"""The insights API: KPIs, drivers and alerts with ack/resolve; outsiders and garbage."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.insights.conftest import add
from voxloop.insights.models import Alert, AlertRule, AlertState
from voxloop.insights.services import do_detect, do_update_rollups


@pytest.fixture
def seeded(shop: Any) -> Any:
    s = shop
    ids = [
        add(
            s, 2 + i, sentiment="negative", kind="complaint", nps=1, topics=((s.late, "negative"),)
        ).pk
        for i in range(8)
    ]
    ids += [
        add(s, 5 + i, sentiment="positive", nps=10, topics=((s.price, "positive"),)).pk
        for i in range(4)
    ]
    do_update_rollups(s.ws.pk, ids)
    AlertRule.objects.create(
        workspace=s.ws,
        name="x",
        threshold=100.0,
        min_count=1,
        preset="negative_spike",
        metric="negative",
        method="threshold",
    )
    do_detect(s.ws.pk, now=s.now)
    return s


def _mounted() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/insights/kpis")
    except Resolver404:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _mounted(), reason="the insights router is not mounted in voxloop.api yet"
)


def test_kpis_and_drivers(seeded: Any, api: Any) -> None:
    r = api.get("/insights/kpis", period="7")
    assert r.status_code == 200
    k = r.json()["kpis"]
    # 4 promoters, 8 detractors of 12 -> NPS = -33.3
    assert k["nps"]["value"] == pytest.approx(-100 * 4 / 12)
    assert k["volume"]["value"] == 12 and k["negative_share"]["small_sample"] is True
    d = api.get("/insights/drivers").json()["drivers"]
    assert d[0]["name"] in ("Late delivery", "Delivery") and d[0]["nps_impact"] < 0


def test_garbage_names_the_field(seeded: Any, api: Any) -> None:
    r = api.get("/insights/kpis", period="5", topic="x")
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"period", "topic"}
    r = api.get("/insights/alerts", state="weird")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "state"


def test_alerts_list_ack_resolve(seeded: Any, api: Any, client: Any, world: Any) -> None:
    r = api.get("/insights/alerts")
    alerts = r.json()
    assert alerts and alerts[0]["evidence"] and alerts[0]["inbox_url"].startswith("/inbox/?")
    aid = alerts[0]["id"]
    r = api.post(f"/insights/alerts/{aid}/acknowledge")
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = api.post(f"/insights/alerts/{aid}/resolve")
    assert r.status_code == 200 and r.json()["state"] == "resolved"
    assert Alert.objects.get(pk=aid).state == AlertState.RESOLVED
    assert api.post(f"/insights/alerts/{aid}/acknowledge").status_code == 422
    assert all(a["id"] != aid for a in api.get("/insights/alerts").json())
    assert any(a["id"] == aid for a in api.get("/insights/alerts", state="all").json())
    # A read-only key reads but cannot change alerts.
    from tests.conftest import ApiClient

    reader = ApiClient(client, factories.api_key(world.acme, ["feedback:read"]))
    assert reader.get("/insights/alerts").status_code == 200
    other = Alert.objects.filter(workspace=world.acme).exclude(pk=aid).first()
    if other is not None:
        assert reader.post(f"/insights/alerts/{other.pk}/resolve").status_code == 403


def test_outsider_gets_404(seeded: Any, outsider_api: Any) -> None:
    alert = Alert.objects.filter(workspace=seeded.ws).first()
    assert alert is not None
    r = outsider_api.get(f"/insights/alerts/{alert.pk}")
    assert r.status_code == 404
    assert outsider_api.post(f"/insights/alerts/{alert.pk}/resolve").status_code == 404
    assert outsider_api.get("/insights/alerts").json() == []
    assert outsider_api.get("/insights/kpis").json()["kpis"]["volume"]["value"] == 0
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
