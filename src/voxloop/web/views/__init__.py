"""Web UI views: thin, they parse, check permission, call a service and render."""

from __future__ import annotations

from voxloop.web.views.base import (
    LoginView,
    coming_soon,
    healthz,
    home,
    logout_view,
    switch_workspace,
)
from voxloop.web.views.inbox import bulk_action, inbox, item_detail, relabel

__all__ = [
    "LoginView",
    "bulk_action",
    "coming_soon",
    "healthz",
    "home",
    "inbox",
    "item_detail",
    "logout_view",
    "relabel",
    "switch_workspace",
]
