"""The hooks other parts call: after an analysed batch, and the worker's scheduled detection."""

from __future__ import annotations

from typing import Any

from tests.insights.conftest import add
from voxloop.insights import services
from voxloop.insights.models import AlertRule, HourlyRollup
from voxloop.server.scheduler import SCHEDULE


def test_after_analysis_updates_rollups_then_detects(shop: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_last_detect", {})
    item = add(shop, 1, sentiment="negative", topics=((shop.late, "negative"),))
    services.do_after_analysis(shop.ws.pk, [item.pk])
    assert HourlyRollup.objects.filter(workspace=shop.ws, topic=shop.late).exists()
    assert AlertRule.objects.filter(workspace=shop.ws).count() == 6  # detection ran once
    calls: list[int] = []
    monkeypatch.setattr(services, "do_detect", lambda ws: calls.append(ws))
    services.do_after_analysis(shop.ws.pk, [item.pk])  # within 10 s: rollups only
    assert calls == []


def test_after_analysis_never_raises(shop: Any, monkeypatch: Any) -> None:
    def broken(*args: Any) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "do_update_rollups", broken)
    services.do_after_analysis(shop.ws.pk, [1, 2, 3])  # logged, not raised


def test_scheduler_runs_detection(shop: Any) -> None:
    interval, job = SCHEDULE["detect_alerts"]
    assert interval <= 60
    job()
    assert AlertRule.objects.filter(workspace=shop.ws).exists()
