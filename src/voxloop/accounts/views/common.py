"""Helpers shared by the settings views: the acting member and service errors on forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from voxloop.accounts.actors import Actor


def require_actor(request: HttpRequest, action: str) -> Actor:
    """The signed-in member acting in the current workspace, allowed to do `action` (else 403)."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionDenied("not a member of any workspace")
    actor.require(action)
    return actor


def add_service_errors(form: forms.Form, exc: ValidationError, default: str | None = None) -> None:
    """Put a service's ValidationError on the form field it names (or on `default`)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else default
            form.add_error(target, errors)
    else:
        form.add_error(default, exc.messages)
