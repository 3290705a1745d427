"""Attach the signed-in user's current workspace, membership and actor to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from voxloop.accounts.models import Membership
from voxloop.accounts.services import actor_for

SESSION_KEY = "voxloop_workspace"


class WorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        request.actor = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.select_related("workspace").filter(user=user)
            slug = request.session.get(SESSION_KEY)
            membership = (memberships.filter(workspace__slug=slug).first() if slug else None) or (
                memberships.order_by("id").first()
            )
            if membership is not None:
                membership.user = user
                request.membership = membership  # type: ignore[attr-defined]
                request.workspace = membership.workspace  # type: ignore[attr-defined]
                request.actor = actor_for(membership)  # type: ignore[attr-defined]
        return self.get_response(request)
