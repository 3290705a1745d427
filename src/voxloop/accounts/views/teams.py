"""Teams: create, rename, set members, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from voxloop.accounts.actors import Actor
from voxloop.accounts.forms import RenameTeamForm, TeamForm, TeamMembersForm
from voxloop.accounts.models import Team
from voxloop.accounts.services import do_create_team, do_delete_team, do_set_team_members
from voxloop.accounts.services_teams import do_rename_team
from voxloop.accounts.views.common import add_service_errors, require_actor

ACTION = "teams.manage"


def _team(actor: Actor, team_id: int) -> Team:
    return get_object_or_404(Team, pk=team_id, workspace=actor.workspace)


@never_cache
@login_required
def teams(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    form = TeamForm(request.POST or None, actor=actor)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team = do_create_team(
                    actor, form.cleaned_data["name"], form.cleaned_data["members"] or None
                )
            except ValidationError as exc:
                add_service_errors(form, exc, default="name")
            else:
                messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
                return redirect("accounts:teams")
        status = 400
    rows = (
        Team.objects.filter(workspace=actor.workspace).prefetch_related("members").order_by("name")
    )
    context = {"teams": rows, "form": form}
    return render(request, "accounts/teams.html", context, status=status)


def _render_team(
    request: HttpRequest,
    actor: Actor,
    team: Team,
    *,
    rename_form: RenameTeamForm | None = None,
    members_form: TeamMembersForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "team": team,
        "rename_form": rename_form
        or RenameTeamForm(actor=actor, team=team, initial={"name": team.name}),
        "members_form": members_form
        or TeamMembersForm(
            actor=actor, initial={"members": list(team.members.values_list("pk", flat=True))}
        ),
    }
    return render(request, "accounts/team_detail.html", context, status=status)


@never_cache
@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    return _render_team(request, actor, _team(actor, team_id))


@require_POST
@login_required
def team_rename(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    team = _team(actor, team_id)
    form = RenameTeamForm(request.POST, actor=actor, team=team)
    if form.is_valid():
        try:
            do_rename_team(actor, team.pk, form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc, default="name")
        else:
            messages.success(request, _("Team renamed."))
            return redirect("accounts:team", team_id=team.pk)
    return _render_team(request, actor, team, rename_form=form, status=400)


@require_POST
@login_required
def team_members(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    team = _team(actor, team_id)
    form = TeamMembersForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            do_set_team_members(actor, team.pk, form.cleaned_data["members"])
        except ValidationError as exc:
            add_service_errors(form, exc, default="members")
        else:
            messages.success(request, _("Team members saved."))
            return redirect("accounts:team", team_id=team.pk)
    return _render_team(request, actor, team, members_form=form, status=400)


@never_cache
@login_required
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    team = _team(actor, team_id)
    if request.method == "POST":
        name = team.name
        do_delete_team(actor, team.pk)
        messages.success(request, _("Team %(name)s was deleted.") % {"name": name})
        return redirect("accounts:teams")
    context = {"team": team, "member_count": team.members.count()}
    return render(request, "accounts/team_delete.html", context)
