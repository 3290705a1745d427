"""Insights pages: the dashboard (and its JSON/CSV data), the alert centre and alert rules."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voxloop.accounts.actors import Actor
from voxloop.feedback.models import FeedbackItem
from voxloop.insights import dashboard as charts
from voxloop.insights import permissions
from voxloop.insights.forms import AlertFilterForm, DashboardFilterForm, MuteForm, RuleForm
from voxloop.insights.models import ACTIVE_STATES, Alert, AlertRule
from voxloop.insights.services import (
    do_acknowledge_alert,
    do_create_rule,
    do_delete_rule,
    do_mute_alert,
    do_resolve_alert,
    do_update_rule,
)
from voxloop.insights.services.alerts import access_alert, access_rule, localize_titles
from voxloop.web.views.inbox import member_view

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


def _language() -> str:
    return get_language() or "en"


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    return DashboardFilterForm(
        request.GET, workspace=_actor(request).workspace, language=_language()
    )


def js_text() -> dict[str, str]:
    """The words the dashboard script shows, translated on the server."""
    return {
        "nps": _("NPS"),
        "csat": _("CSAT"),
        "ces": _("CES"),
        "volume": _("Volume"),
        "negative_share": _("Negative share"),
        "small_sample": _("Small sample: do not trust this yet"),
        "vs_previous": _("vs previous period"),
        "significant": _("significant"),
        "not_significant": _("not significant"),
        "positive": _("Positive"),
        "neutral": _("Neutral"),
        "negative": _("Negative"),
        "save_image": _("Save as PNG"),
        "no_data": _("No data for these filters yet."),
        "nps_impact": _("NPS impact (points)"),
        "csat_impact": _("CSAT impact (points)"),
        "priority": _("Priority"),
        "topic": _("Topic"),
        "change": _("Change"),
        "negative_now": _("Negative now"),
        "negative_before": _("Negative before"),
        "interval": _("%(level)s interval") % {"level": "95 %"},
        "updated": _("Updated"),
        "refresh_failed": _("Refresh failed; retrying."),
        "new_topic": _("new"),
    }


@member_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    actor.require(permissions.VIEW)
    form = _filter_form(request)
    form.is_valid()
    query = request.GET.urlencode()
    return render(
        request,
        "insights/dashboard.html",
        {
            "form": form,
            "query": query,
            "titles": charts.chart_titles(),
            "charts": charts.CHARTS,
            "can_manage": actor.can(permissions.MANAGE_RULES),
            "js_text": js_text(),
        },
        status=200 if form.is_valid() else 400,
    )


@member_view
@require_GET
def dashboard_data(request: HttpRequest, chart: str | None = None) -> HttpResponse:
    """All charts as JSON (the page polls this), or one chart as JSON or ?format=csv."""
    actor = _actor(request)
    actor.require(permissions.VIEW)
    if chart is not None and chart not in charts.CHARTS:
        raise Http404("no such chart")
    form = _filter_form(request)
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "csv"):
        return JsonResponse(
            {"errors": [{"field": "format", "message": _("Use json or csv.")}]}, status=400
        )
    if not form.is_valid():
        return JsonResponse({"errors": form.error_list()}, status=400)
    builder = charts.builder_for(form, _language())
    if chart is None:
        if fmt == "csv":
            return JsonResponse(
                {"errors": [{"field": "format", "message": _("CSV is per chart.")}]}, status=400
            )
        return JsonResponse(builder.all(), encoder=DjangoJSONEncoder)
    payload, header, rows = builder.chart(chart)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="voxloop-{chart}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(rows)
        return response
    return JsonResponse({chart: payload}, encoder=DjangoJSONEncoder)


# -- alerts ---------------------------------------------------------------------------------


@member_view
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    actor.require(permissions.VIEW)
    form = AlertFilterForm(request.GET)
    qs = Alert.objects.filter(workspace=actor.workspace)
    if form.is_valid():
        state = form.cleaned_data.get("state") or ""
        if state == "":
            qs = qs.filter(state__in=ACTIVE_STATES)
        elif state != "all":
            qs = qs.filter(state=state)
        if form.cleaned_data.get("min_severity"):
            qs = qs.filter(severity__gte=form.cleaned_data["min_severity"])
    else:
        qs = qs.none()
    page = Paginator(qs.order_by("-severity", "-opened_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    localize_titles(page.object_list)
    return render(
        request,
        "insights/alerts.html",
        {
            "form": form,
            "page": page,
            "can_handle": actor.can(permissions.HANDLE_ALERTS),
            "can_manage": actor.can(permissions.MANAGE_RULES),
        },
        status=200 if form.is_valid() else 400,
    )


def _alert_or_404(actor: Actor, alert_id: int) -> Alert:
    try:
        return access_alert(actor, alert_id)
    except ObjectDoesNotExist:
        raise Http404("no such alert") from None


@member_view
@require_GET
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = _actor(request)
    alert = _alert_or_404(actor, alert_id)
    raw = actor.can("feedback.view_raw")
    evidence = [
        (item, item.text if raw or not item.redacted_text else item.redacted_text)
        for item in FeedbackItem.objects.filter(
            workspace=actor.workspace, pk__in=list(alert.evidence)
        )
        .select_related("channel")
        .order_by("-occurred_at")
    ]
    return render(
        request,
        "insights/alert_detail.html",
        {
            "alert": alert,
            "evidence": evidence,
            "mute_form": MuteForm(),
            "can_handle": actor.can(permissions.HANDLE_ALERTS),
            "active": alert.state in ACTIVE_STATES,
        },
    )


@member_view
@require_POST
def alert_action(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    _alert_or_404(actor, alert_id)
    try:
        if action == "acknowledge":
            do_acknowledge_alert(actor, alert_id)
        elif action == "resolve":
            do_resolve_alert(actor, alert_id)
        elif action == "mute":
            form = MuteForm(request.POST)
            if not form.is_valid():
                messages.error(
                    request,
                    _("Mute for: %(e)s")
                    % {"e": " ".join(str(e) for e in form.errors.get("hours", []))},
                )
                return redirect("insights:alert", alert_id)
            do_mute_alert(actor, alert_id, form.cleaned_data["hours"])
        else:
            raise Http404("no such action")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Alert updated."))
    return redirect("insights:alert", alert_id)


# -- rules ----------------------------------------------------------------------------------


@member_view
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    actor.require(permissions.VIEW)
    return render(
        request,
        "insights/rules.html",
        {
            "rules": AlertRule.objects.filter(workspace=actor.workspace).order_by("name", "id"),
            "can_manage": actor.can(permissions.MANAGE_RULES),
        },
    )


def _rule_initial(rule: AlertRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RuleForm.base_fields}


@member_view
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    if not actor.can(permissions.MANAGE_RULES):
        raise PermissionDenied("not allowed: edit alert rules")
    rule = None
    if rule_id is not None:
        try:
            rule = access_rule(actor, rule_id)
        except ObjectDoesNotExist:
            raise Http404("no such rule") from None
    if request.method == "POST":
        form = RuleForm(request.POST, workspace=actor.workspace)
        if form.is_valid():
            if rule is None:
                do_create_rule(actor, form.rule_data)
            else:
                do_update_rule(actor, rule.pk, form.rule_data)
            messages.success(request, _("Rule saved."))
            return redirect("insights:rules")
        status = 400
    else:
        form = RuleForm(initial=_rule_initial(rule) if rule else None, workspace=actor.workspace)
        status = 200
    return render(request, "insights/rule_edit.html", {"form": form, "rule": rule}, status=status)


@member_view
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = _actor(request)
    if not actor.can(permissions.MANAGE_RULES):
        raise PermissionDenied("not allowed: edit alert rules")
    try:
        access_rule(actor, rule_id)
    except ObjectDoesNotExist:
        raise Http404("no such rule") from None
    do_delete_rule(actor, rule_id)
    messages.success(request, _("Rule deleted."))
    return redirect("insights:rules")
