"""REST endpoints of insights: KPIs, drivers and alerts (mounted at /api/v1/insights)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema

from voxloop.accounts.actors import Actor
from voxloop.insights import dashboard as charts
from voxloop.insights import permissions
from voxloop.insights.forms import DashboardFilterForm
from voxloop.insights.models import ACTIVE_STATES, Alert, AlertState
from voxloop.insights.services import do_acknowledge_alert, do_resolve_alert
from voxloop.insights.services.alerts import access_alert, alert_payload

router = Router(tags=["insights"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _builder(request: HttpRequest, actor: Actor) -> charts.Builder:
    actor.require(permissions.VIEW)
    params = {k: request.GET.get(k, "") for k in ("period", "channel", "segment", "topic")}
    form = DashboardFilterForm(params, workspace=actor.workspace, language=get_language() or "en")
    if not form.is_valid():
        raise ValidationError({f: [str(m) for m in msgs] for f, msgs in form.errors.items()})
    return charts.builder_for(form, get_language() or "en")


class AlertOut(Schema):
    id: int
    key: str
    state: str
    severity: int
    metric: str
    scope: str
    scope_value: str
    scope_label: str
    direction: str
    title: str
    observed: float
    expected: float
    ratio: float | None
    p_value: float | None
    channels: list[str]
    evidence: list[int]
    inbox_url: str
    started_at: str
    last_seen_at: str
    opened_at: str


@router.get("/kpis", summary="KPIs with 95 % intervals and period-over-period change")
def kpis(request: HttpRequest) -> dict[str, Any]:
    """Query: period (7, 30, 90 or 365 days), channel (slug), segment, topic (id)."""
    builder = _builder(request, _actor(request))
    data = builder.kpis_raw()
    return {"period": data["period"], "kpis": data["tiles"]}


@router.get("/drivers", summary="Topics ranked by their drag on NPS and CSAT")
def drivers(request: HttpRequest) -> dict[str, Any]:
    builder = _builder(request, _actor(request))
    payload, _header, _rows = builder.drivers()
    return {"drivers": payload}


@router.get("/alerts", response=list[AlertOut], summary="Alerts, newest first")
def alerts(request: HttpRequest, state: str = "active", limit: int = 50) -> list[dict[str, Any]]:
    actor = _actor(request)
    actor.require(permissions.VIEW)
    if state not in ("active", "all", *AlertState.values):
        raise ValidationError({"state": ["use active, all, open, acknowledged, muted or resolved"]})
    if not 1 <= limit <= 500:
        raise ValidationError({"limit": ["between 1 and 500"]})
    qs = Alert.objects.filter(workspace=actor.workspace)
    if state == "active":
        qs = qs.filter(state__in=ACTIVE_STATES)
    elif state != "all":
        qs = qs.filter(state=state)
    return [alert_payload(a) for a in qs.order_by("-opened_at", "-id")[:limit]]


@router.get("/alerts/{alert_id}", response=AlertOut, summary="One alert")
def alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    return alert_payload(access_alert(_actor(request), alert_id))


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    actor = _actor(request)
    access_alert(actor, alert_id)
    return alert_payload(do_acknowledge_alert(actor, alert_id))


@router.post("/alerts/{alert_id}/resolve", response=AlertOut, summary="Resolve an alert")
def resolve(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    actor = _actor(request)
    access_alert(actor, alert_id)
    return alert_payload(do_resolve_alert(actor, alert_id))
