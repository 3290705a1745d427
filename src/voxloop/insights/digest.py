"""The insights sections of the daily and weekly digest: KPIs, top movers, open alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from voxloop.accounts.models import Workspace
from voxloop.insights import selectors
from voxloop.insights.models import ACTIVE_STATES, Alert
from voxloop.insights.selectors import DashboardFilter
from voxloop.insights.services.rollups import workspace_tz

MOVERS = 5
ALERTS = 10


def _filter(workspace: Workspace, period: str, end: datetime) -> DashboardFilter:
    last = (end - timedelta(seconds=1)).astimezone(workspace_tz(workspace)).date()
    return DashboardFilter(days=1 if period == "daily" else 7, end=last)


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def kpis_section(workspace_id: int, period: str, start: datetime, end: datetime) -> Any:
    from voxloop.notify.digest import DigestSection

    ws = Workspace.objects.get(pk=workspace_id)
    data = selectors.kpis(ws, _filter(ws, period, end))
    tiles = data["tiles"]
    if not tiles["volume"]["value"]:
        return None
    names = {
        "nps": _("NPS"),
        "csat": _("CSAT"),
        "ces": _("CES"),
        "volume": _("Volume"),
        "negative_share": _("Negative share"),
    }
    units = {"csat": " %", "negative_share": " %"}
    lines, fields = [], {}
    for key, label in names.items():
        t = tiles[key]
        if t["value"] is None:
            continue
        text = _fmt(t["value"], units.get(key, "")) if key != "volume" else str(int(t["value"]))
        change = t["change"]
        if change["delta"] is not None:
            sign = "+" if change["delta"] > 0 else ""
            mark = _("significant") if change["significant"] else _("not significant")
            text += f" ({sign}{change['delta']:.1f}, {mark})"
        if t["small_sample"]:
            text += " · " + _("small sample")
        lines.append(f"{label}: {text}")
        fields[str(label)] = text
    payload = {
        k: {"value": v["value"], "low": v["low"], "high": v["high"], "n": v["n"]}
        for k, v in tiles.items()
    }
    return DigestSection(title=_("Key figures"), lines=lines, fields=fields, payload=payload)


def movers_section(workspace_id: int, period: str, start: datetime, end: datetime) -> Any:
    from voxloop.notify.digest import DigestSection

    ws = Workspace.objects.get(pk=workspace_id)
    f = _filter(ws, period, end)
    p = selectors.period_of(ws, f)
    topics = selectors.topic_sums(ws, f, p)
    names = selectors.topic_names(ws, topics, "en")
    movers = [m for m in selectors.movers(topics, names, MOVERS) if m["delta"] > 0]
    if not movers:
        return None
    lines = [
        _("%(topic)s: %(now)s negative (was %(before)s)%(sig)s")
        % {
            "topic": m["name"],
            "now": m["negative"],
            "before": m["previous_negative"],
            "sig": " *" if m["significant"] else "",
        }
        for m in movers
    ]
    return DigestSection(title=_("Top movers"), lines=lines, payload={"movers": movers})


def alerts_section(workspace_id: int, period: str, start: datetime, end: datetime) -> Any:
    from voxloop.notify.digest import DigestSection

    alerts = list(
        Alert.objects.filter(workspace_id=workspace_id, state__in=ACTIVE_STATES).order_by(
            "-severity", "-opened_at"
        )[:ALERTS]
    )
    if not alerts:
        return None
    lines = [f"[{a.severity}/10] {a.title}" for a in alerts]
    return DigestSection(
        title=_("Open alerts"),
        lines=lines,
        payload={
            "alerts": [{"id": a.pk, "severity": a.severity, "title": a.title} for a in alerts]
        },
    )


def register() -> None:
    try:
        from voxloop.notify.digest import register_digest_section
    except ImportError:
        return
    register_digest_section("kpis", kpis_section, order=10)
    register_digest_section("top_movers", movers_section, order=20)
    register_digest_section("open_alerts", alerts_section, order=30)
