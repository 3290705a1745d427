"""Members and roles: list, add by email (with a one-time invite link), change role, remove."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from voxloop.accounts.actors import Actor
from voxloop.accounts.forms import AddMemberForm, ChangeRoleForm, role_choices
from voxloop.accounts.models import Membership, Role, Team
from voxloop.accounts.services import do_change_role, do_remove_member
from voxloop.accounts.services_invites import do_invite_member, do_renew_invite, is_pending
from voxloop.accounts.views.common import add_service_errors, require_actor

INVITE_SESSION_KEY = "voxloop_invite_link"
ACTION = "members.manage"


def _render(
    request: HttpRequest,
    actor: Actor,
    *,
    add_form: AddMemberForm | None = None,
    row_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = list(
        Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    teams: dict[int, list[str]] = {}
    for user_id, name in Team.members.through.objects.filter(
        team__workspace=actor.workspace
    ).values_list("user_id", "team__name"):
        teams.setdefault(user_id, []).append(name)
    members = [
        {
            "m": m,
            "pending": is_pending(m.user),
            "teams": sorted(teams.get(m.user_id, [])),
            "errors": (row_errors or {}).get(m.pk, []),
            "is_me": m.user_id == getattr(actor.user, "pk", None),
            "can_edit": actor.role == Role.OWNER or m.role != Role.OWNER,
        }
        for m in rows
    ]
    context: dict[str, Any] = {
        "members": members,
        "add_form": add_form or AddMemberForm(actor=actor),
        "role_choices": role_choices(actor),
        "invite": request.session.pop(INVITE_SESSION_KEY, None),
    }
    return render(request, "accounts/members.html", context, status=status)


def _remember_invite(request: HttpRequest, email: str, path: str) -> None:
    request.session[INVITE_SESSION_KEY] = {"email": email, "url": request.build_absolute_uri(path)}


@never_cache
@login_required
def members(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    if request.method != "POST":
        return _render(request, actor)
    form = AddMemberForm(request.POST, actor=actor)
    if form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            _membership, path = do_invite_member(actor, email, role)
        except ValidationError as exc:
            add_service_errors(form, exc, default="email")
        except PermissionDenied:
            form.add_error("role", _("Only an owner can add an owner."))
        else:
            messages.success(request, _("%(email)s was added.") % {"email": email})
            if path:
                _remember_invite(request, email, path)
            return redirect("accounts:members")
    return _render(request, actor, add_form=form, status=400)


@require_POST
@login_required
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    membership = get_object_or_404(Membership, pk=membership_id, workspace=actor.workspace)
    form = ChangeRoleForm(request.POST, actor=actor)
    error: list[str] = []
    if form.is_valid():
        try:
            do_change_role(actor, membership.pk, form.cleaned_data["role"])
        except ValidationError as exc:
            error = (
                [_("A workspace must keep at least one owner.")]
                if _is_owner_rule(exc)
                else list(exc.messages)
            )
        except PermissionDenied:
            error = [_("Only an owner can grant or remove the owner role.")]
        else:
            messages.success(request, _("Role changed."))
            return redirect("accounts:members")
    else:
        error = [str(e) for e in form.errors.get("role", [])]
    return _render(request, actor, row_errors={membership.pk: error}, status=400)


def _is_owner_rule(exc: ValidationError) -> bool:
    return "owner" in " ".join(exc.messages)


@never_cache
@login_required
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, workspace=actor.workspace
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            do_remove_member(actor, membership.pk)
        except ValidationError as exc:
            errors = (
                [_("A workspace must keep at least one owner.")]
                if _is_owner_rule(exc)
                else list(exc.messages)
            )
        except PermissionDenied:
            errors = [_("Only an owner can remove an owner.")]
        else:
            messages.success(
                request, _("%(email)s was removed.") % {"email": membership.user.email}
            )
            if membership.user_id == getattr(actor.user, "pk", None):
                return redirect("web:home")
            return redirect("accounts:members")
        status = 400
    context = {"membership": membership, "errors": errors}
    return render(request, "accounts/member_remove.html", context, status=status)


@require_POST
@login_required
def member_invite(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, workspace=actor.workspace
    )
    try:
        path = do_renew_invite(actor, membership.pk)
    except ValidationError:
        return _render(
            request,
            actor,
            row_errors={membership.pk: [_("This member has already set a password.")]},
            status=400,
        )
    _remember_invite(request, membership.user.email, path)
    return redirect("accounts:members")


class InviteAcceptView(PasswordResetConfirmView):
    """An invited person chooses a password through the one-time link."""

    template_name = "accounts/invite_accept.html"
    success_url = reverse_lazy("web:login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password is set. Sign in to continue."))
        return super().form_valid(form)
