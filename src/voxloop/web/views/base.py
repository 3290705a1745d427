"""Sign-in, the home redirect, the workspace switch and plain pages of the layout."""

from __future__ import annotations

import re
from typing import cast

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from voxloop.accounts.models import Membership, User
from voxloop.web.middleware import SESSION_KEY

StrOrPromise = str | Promise

_ITEM_PAGE = re.compile(r"/\d+(/|$)")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:inbox")


@login_required
def coming_soon(request: HttpRequest, feature: StrOrPromise = "") -> HttpResponse:
    """A page of the product that is planned but not built yet, said plainly."""
    return render(request, "web/coming_soon.html", {"feature": feature}, status=200)


@login_required
@require_POST
def switch_workspace(request: HttpRequest) -> HttpResponse:
    """Make another of the user's workspaces the current one; not a member → 404."""
    slug = request.POST.get("workspace", "")
    user = cast(User, request.user)  # login_required
    if not Membership.objects.filter(user=user, workspace__slug=slug).exists():
        raise Http404("no such workspace")
    request.session[SESSION_KEY] = slug
    target = request.POST.get("next", "").split("?", 1)[0]
    # Filters and single items name objects of the old workspace: keep only a list page's path.
    if (
        not target.startswith("/")
        or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        or _ITEM_PAGE.search(target)
    ):
        target = reverse("web:inbox")
    return redirect(target)


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
