"""Team changes that services.py does not cover yet (renaming), each one audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Team
from voxloop.accounts.services import do_audit

TEAM_NAME_MAX = Team._meta.get_field("name").max_length or 120


@transaction.atomic
def do_rename_team(actor: Actor, team_id: int, name: str) -> Team:
    actor.require("teams.manage")
    team = Team.objects.select_for_update().get(pk=team_id, workspace=actor.workspace)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    if len(name) > TEAM_NAME_MAX:
        raise ValidationError({"name": f"At most {TEAM_NAME_MAX} characters."})
    if name == team.name:
        return team
    if Team.objects.filter(workspace=actor.workspace, name=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": f"A team called {name!r} exists already."})
    before = {"name": team.name}
    team.name = name
    team.save(update_fields=["name"])
    do_audit(actor, "team.rename", team, before=before, after={"name": name})
    return team
