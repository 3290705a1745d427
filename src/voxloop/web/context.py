"""Template context: the current workspace, the user's other workspaces and the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from voxloop.accounts.models import Membership
from voxloop.web import nav


def workspace(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"workspace": None, "actor": None, "my_workspaces": [], "nav_main": []}
    return {
        "workspace": actor.workspace,
        "actor": actor,
        "membership": getattr(request, "membership", None),
        # Callables: templates that never show them cost no query.
        "my_workspaces": lambda: list(
            Membership.objects.filter(user=actor.user)
            .select_related("workspace")
            .order_by("workspace__name")
        ),
        "nav_main": lambda: nav.links(actor, request.path, nav.MAIN),
        "nav_settings": lambda: nav.links(actor, request.path, nav.SETTINGS),
    }
