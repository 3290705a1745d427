"""Notify UI: destinations (list, create, edit, test, enable) and the delivery log. Thin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from voxloop.accounts.views.common import add_service_errors, require_actor
from voxloop.notify.destinations import module_for
from voxloop.notify.forms import DeliveryFilterForm, DestinationForm
from voxloop.notify.models import DeliveryState
from voxloop.notify.permissions import MANAGE, VIEW_LOG
from voxloop.notify.selectors import access_destination, delivery_log, destinations_with_counts
from voxloop.notify.services import MAX_ATTEMPTS
from voxloop.notify.services_destinations import (
    do_create_destination,
    do_retry_delivery,
    do_send_test,
    do_set_destination_active,
    do_update_destination,
)
from voxloop.notify.timezones import known_timezones

# A generated secret waits in the session only between the POST and the page showing it.
SECRET_SESSION_KEY = "voxloop_new_destination_secret"
PAGE_SIZE = 50


def _form_data(form: DestinationForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


def _ctx(form: DestinationForm) -> dict[str, Any]:
    return {"form": form, "timezones": sorted(known_timezones())}


@never_cache
@login_required
def destinations(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    rows = list(destinations_with_counts(actor.workspace.pk))
    for dest in rows:
        dest.summary = module_for(dest.kind).summary(dest.config)  # type: ignore[attr-defined]
    return render(request, "notify/destinations.html", {"destinations": rows})


@never_cache
@login_required
def destination_new(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    form = DestinationForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST":
        if form.is_valid():
            try:
                dest, secret = do_create_destination(actor, _form_data(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if secret:
                    request.session[SECRET_SESSION_KEY] = {"id": dest.pk, "secret": secret}
                messages.success(
                    request, _("Destination %(name)s was created.") % {"name": dest.name}
                )
                return redirect("notify:destination", destination_id=dest.pk)
        return render(request, "notify/destination_form.html", _ctx(form), status=400)
    return render(request, "notify/destination_form.html", _ctx(form))


@never_cache
@login_required
def destination(request: HttpRequest, destination_id: int) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    dest = access_destination(actor, destination_id, MANAGE)
    status = 200
    if request.method == "POST":
        form = DestinationForm(request.POST, editing=True)
        if form.is_valid():
            try:
                dest, secret = do_update_destination(actor, dest.pk, _form_data(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if secret:
                    request.session[SECRET_SESSION_KEY] = {"id": dest.pk, "secret": secret}
                messages.success(request, _("Changes saved."))
                return redirect("notify:destination", destination_id=dest.pk)
        status = 400
    else:
        form = DestinationForm(initial=DestinationForm.initial_for(dest), editing=True)
    shown = request.session.get(SECRET_SESSION_KEY)
    shown_secret: str | None = None
    if isinstance(shown, dict) and shown.get("id") == dest.pk:
        shown_secret = str(shown.get("secret") or "")
        del request.session[SECRET_SESSION_KEY]
    context = {
        **_ctx(form),
        "dest": dest,
        "summary": module_for(dest.kind).summary(dest.config),
        "new_secret": shown_secret,
        "recent": delivery_log(actor.workspace.pk, destination_id=dest.pk)[:10],
    }
    return render(request, "notify/destination.html", context, status=status)


@never_cache
@login_required
@require_POST
def destination_test(request: HttpRequest, destination_id: int) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    try:
        delivery = do_send_test(actor, destination_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if delivery.state == DeliveryState.SENT:
            messages.success(request, _("The test message was delivered."))
        else:
            messages.error(
                request,
                _("The test message was not delivered: %(error)s")
                % {"error": delivery.last_error or delivery.get_state_display()},
            )
    return redirect("notify:destination", destination_id=destination_id)


@never_cache
@login_required
@require_POST
def destination_active(request: HttpRequest, destination_id: int, active: bool) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    dest = do_set_destination_active(actor, destination_id, active)
    if active:
        messages.success(request, _("Destination %(name)s is enabled.") % {"name": dest.name})
    else:
        messages.success(request, _("Destination %(name)s is disabled.") % {"name": dest.name})
    return redirect("notify:destination", destination_id=dest.pk)


@never_cache
@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, VIEW_LOG)
    form = DeliveryFilterForm(request.GET or None, workspace_id=actor.workspace.pk)
    status = 200
    dest_id: int | None = None
    state = ""
    if form.is_bound:
        if form.is_valid():
            chosen = form.cleaned_data["destination"]
            dest_id = chosen.pk if chosen else None
            state = form.cleaned_data["state"] or ""
        else:
            status = 400
    rows = delivery_log(actor.workspace.pk, destination_id=dest_id, state=state)
    if status == 400:
        rows = rows.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "max_attempts": MAX_ATTEMPTS,
        "can_retry": actor.can(MANAGE),
    }
    return render(request, "notify/deliveries.html", context, status=status)


@never_cache
@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    actor = require_actor(request, MANAGE)
    try:
        do_retry_delivery(actor, delivery_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The delivery is queued again."))
    target = request.POST.get("next", "")
    if not target.startswith("/notify/") or "//" in target or "\\" in target:
        return redirect("notify:deliveries")
    return redirect(target)
