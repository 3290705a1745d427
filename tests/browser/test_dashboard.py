"""The dashboard in headless Chromium: tiles, charts, the 5-second refresh, Chinese UI."""

from __future__ import annotations

from typing import Any

import pytest

from tests.insights.conftest import add
from voxloop.insights.services import do_update_rollups

pytestmark = [pytest.mark.django_db(transaction=True)]


def _login(page: Any, live_server: Any, email: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_dashboard_draws_and_refreshes(live_server: Any, page: Any, shop: Any, world: Any) -> None:
    s = shop
    ids = [
        add(s, 1 + i, sentiment="negative", nps=2, topics=((s.late, "negative"),)).pk
        for i in range(5)
    ]
    do_update_rollups(s.ws.pk, ids)
    _login(page, live_server, world.vera.email)
    page.goto(f"{live_server.url}/insights/?period=7")
    page.wait_for_selector("#tiles [data-kpi=volume] .tile-value")
    assert page.inner_text("#tiles [data-kpi=volume] .tile-value").strip() == "5"
    assert page.inner_text("#tiles [data-kpi=nps] .tile-value").strip() == "-100.0"
    assert page.locator("#tiles .badge.warn").count() >= 1  # small samples are flagged
    assert page.locator("#chart-timeseries canvas").count() == 1
    # every sparkline is drawn inside its own tile
    widths = page.evaluate(
        "() => Array.from(document.querySelectorAll('#tiles .tile')).map(t => "
        "[t.clientWidth, t.querySelector('.sparkline canvas').getBoundingClientRect().width])"
    )
    assert len(widths) == 5 and all(0 < canvas <= tile for tile, canvas in widths), widths
    assert page.locator("#chart-wordcloud .tag").count() >= 1
    assert page.locator("#movers-table tr[data-topic]").count() >= 1
    csv_href = page.get_attribute("a[data-csv=heatmap]", "href") or ""
    assert "period=7" in csv_href and "format=csv" in csv_href
    # New analysed feedback appears without reloading (the page polls every 5 s).
    more = [add(s, 0.5, sentiment="positive", nps=10).pk for _ in range(3)]
    do_update_rollups(s.ws.pk, more)
    page.wait_for_function(
        "() => document.querySelector('#tiles [data-kpi=volume] .tile-value')"
        ".textContent.trim() === '8'",
        timeout=12_000,
    )
    # The Chinese interface translates the tiles.
    page.click("button[value=zh-hans]")
    page.wait_for_selector("#tiles [data-kpi=volume] h3")
    assert page.inner_text("#tiles [data-kpi=volume] h3") == "数量"
    assert "仪表盘" in page.title()
    page.goto("about:blank")  # stop polling before the live server and database go away
    page.wait_for_timeout(1_000)
