"""API keys: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from voxloop.accounts.forms import ApiKeyForm
from voxloop.accounts.models import ApiKey
from voxloop.accounts.services import do_create_api_key, do_revoke_api_key
from voxloop.accounts.views.common import add_service_errors, require_actor

ACTION = "apikeys.manage"
# The plaintext waits in the session only between the POST and the page that shows it.
NEW_KEY_SESSION_KEY = "voxloop_new_api_key"


@never_cache
@login_required
def keys(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    form = ApiKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                key, raw = do_create_api_key(
                    actor, form.cleaned_data["name"], list(form.cleaned_data["scopes"])
                )
            except ValidationError as exc:
                add_service_errors(form, exc, default="name")
            else:
                request.session[NEW_KEY_SESSION_KEY] = {"id": key.pk, "raw": raw}
                return redirect("accounts:key_created", key_id=key.pk)
        status = 400
    rows = (
        ApiKey.objects.filter(workspace=actor.workspace)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )
    context = {"keys": rows, "form": form}
    return render(request, "accounts/keys.html", context, status=status)


@never_cache
@login_required
def key_created(request: HttpRequest, key_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    key = get_object_or_404(ApiKey, pk=key_id, workspace=actor.workspace)
    stored = request.session.get(NEW_KEY_SESSION_KEY)
    raw = None
    if isinstance(stored, dict) and stored.get("id") == key.pk:
        raw = stored["raw"]
        del request.session[NEW_KEY_SESSION_KEY]
    context = {"key": key, "raw": raw}
    return render(request, "accounts/key_created.html", context)


@never_cache
@login_required
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    key = get_object_or_404(ApiKey, pk=key_id, workspace=actor.workspace)
    if request.method == "POST":
        do_revoke_api_key(actor, key.pk)
        messages.success(request, _("Key %(name)s was revoked.") % {"name": key.name})
        return redirect("accounts:keys")
    return render(request, "accounts/key_revoke.html", {"key": key})
