"""The audit log: who changed what and when, with the before/after difference."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from voxloop.accounts.forms import AuditFilterForm
from voxloop.accounts.models import AuditLog, Workspace
from voxloop.accounts.views.common import require_actor

PAGE_SIZE = 50
_MISSING = object()


@dataclass(frozen=True)
class DiffRow:
    field: str
    before: str
    after: str
    change: str  # "added", "removed", "changed" or "same"


def _show(value: Any) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_diff(before: Any, after: Any) -> list[DiffRow]:
    """Field-by-field difference of two audit snapshots (dicts, or any JSON value)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before is None and isinstance(after, dict):
            before = {}
        elif after is None and isinstance(before, dict):
            after = {}
        else:
            b, a = (
                _show(before if before is not None else _MISSING),
                _show(after if after is not None else _MISSING),
            )
            return [] if b == a == "" else [DiffRow("", b, a, "changed" if b != a else "same")]
    rows = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if old is _MISSING:
            change = "added"
        elif new is _MISSING:
            change = "removed"
        else:
            change = "same" if old == new else "changed"
        rows.append(DiffRow(str(key), _show(old), _show(new), change))
    return rows


def _day_start(day: date, workspace: Workspace) -> datetime:
    try:
        tz = ZoneInfo(workspace.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return datetime.combine(day, time.min, tzinfo=tz)


@never_cache
@login_required
def audit(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, "audit.view")
    ws = actor.workspace
    actions = list(
        AuditLog.objects.filter(workspace=ws)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
    form = AuditFilterForm(request.GET or None, actor=actor, actions=actions)
    qs = AuditLog.objects.filter(workspace=ws).select_related("actor_user", "actor_key")
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET else {}
    who = data.get("actor") or ""
    kind, _sep, ident = who.partition(":")
    if kind == "user" and ident.isdigit():
        qs = qs.filter(actor_user_id=int(ident))
    elif kind == "key" and ident.isdigit():
        qs = qs.filter(actor_key_id=int(ident))
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("since"):
        qs = qs.filter(created_at__gte=_day_start(data["since"], ws))
    if data.get("until"):
        qs = qs.filter(created_at__lt=_day_start(data["until"] + timedelta(days=1), ws))
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"log": log, "diff": audit_diff(log.before, log.after)} for log in page]
    context = {"form": form, "page": page, "entries": entries}
    return render(request, "accounts/audit.html", context, status=200 if valid else 400)
