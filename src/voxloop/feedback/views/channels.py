"""Settings → Channels: list, create and edit channels, with how to send feedback to each."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from voxloop.accounts.views.common import add_service_errors, require_actor
from voxloop.feedback.models import Channel
from voxloop.feedback.services.labels import do_save_channel
from voxloop.feedback.views.forms import ChannelForm

ACTION = "channels.manage"


@login_required
@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    form = ChannelForm(request.POST or None, initial={"kind": "api", "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            channel = do_save_channel(
                actor,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                is_active=form.cleaned_data["is_active"],
                config=form.cleaned_data["config"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default="name")
        else:
            return redirect("feedback:channel_edit", channel_id=channel.pk)
    channels = Channel.objects.filter(workspace=actor.workspace).annotate(item_count=Count("items"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/channels/list.html",
        {"channels": channels, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    channel = get_object_or_404(Channel, pk=channel_id, workspace=actor.workspace)
    initial = {
        "name": channel.name,
        "kind": channel.kind,
        "is_active": channel.is_active,
        "config": json.dumps(channel.config, ensure_ascii=False, indent=2)
        if channel.config
        else "",
    }
    form = ChannelForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            channel = do_save_channel(
                actor,
                channel_id=channel.pk,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                is_active=form.cleaned_data["is_active"],
                config=form.cleaned_data["config"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default="name")
        else:
            saved = True
    base = request.build_absolute_uri("/").rstrip("/")
    context = {
        "channel": channel,
        "form": form,
        "saved": saved,
        "api_url": f"{base}/api/v1/feedback",
        "example": json.dumps(
            {"channel": channel.slug, "text": "配送太慢了", "external_id": "order-1001"},
            ensure_ascii=False,
        ),
        "workspace": actor.workspace,
    }
    status = 400 if request.method == "POST" and not saved else 200
    return render(request, "feedback/channels/edit.html", context, status=status)
