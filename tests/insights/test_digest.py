"""The digest sections insights gives notify: KPIs, top movers and open alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.insights.conftest import add
from voxloop.insights.models import AlertRule
from voxloop.insights.services import do_detect, do_update_rollups

digest = pytest.importorskip("voxloop.notify.digest")


def test_sections_are_registered_and_filled(shop: Any) -> None:
    assert {"kpis", "top_movers", "open_alerts"} <= set(digest.DIGEST_SECTIONS)
    s = shop
    ids = [
        add(s, 1 + i, sentiment="negative", nps=0, topics=((s.late, "negative"),)).pk
        for i in range(6)
    ]
    ids += [add(s, 2 + i, sentiment="positive", nps=10).pk for i in range(2)]
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
    message = digest.build_digest(s.ws, "daily", s.now + timedelta(days=1))
    sections = message.payload["sections"]
    # yesterday's (local) day may hold only part of the items: check against the payload
    kpis = sections.get("kpis")
    if kpis is not None:
        assert kpis["volume"]["value"] >= 1
    assert "open_alerts" in sections
    assert any("Late delivery" in line["title"] for line in sections["open_alerts"]["alerts"])
    weekly = digest.build_digest(s.ws, "weekly", s.now + timedelta(days=1))
    assert weekly.payload["sections"]["kpis"]["volume"]["value"] == 8
    # NPS of the week: 2 promoters, 6 detractors -> -50
    assert weekly.payload["sections"]["kpis"]["nps"]["value"] == pytest.approx(-50.0)
    assert "top_movers" in weekly.payload["sections"]
