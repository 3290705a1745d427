"""Forms of the settings pages: members, teams, API keys and the audit-log filter."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import ApiKey, Membership, Role, Scope, Team

NAME_MAX = 120


def role_choices(actor: Actor) -> list[tuple[str, Any]]:
    """Roles the actor may hand out: only an owner makes owners."""
    return [(v, label) for v, label in Role.choices if v != Role.OWNER or actor.role == Role.OWNER]


class AddMemberForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(actor)
        self.fields["role"].initial = Role.VIEWER
        self.actor = actor

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if Membership.objects.filter(workspace=self.actor.workspace, user__email=email).exists():
            raise forms.ValidationError(
                _("%(email)s is already a member."), params={"email": email}
            )
        return email


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(actor)


class _MembersField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def member_choices(actor: Actor) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    return [(m.user_id, f"{m.user.name or m.user.email} <{m.user.email}>") for m in rows]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, strip=True)
    members = _MembersField(label=_("Members"), choices=(), coerce=int, required=False)

    def __init__(self, *args: Any, actor: Actor, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.team = actor, team
        cast(forms.ChoiceField, self.fields["members"]).choices = member_choices(actor)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        clash = Team.objects.filter(workspace=self.actor.workspace, name=name)
        if self.team is not None:
            clash = clash.exclude(pk=self.team.pk)
        if clash.exists():
            raise forms.ValidationError(_("A team with this name exists already."))
        return name


class RenameTeamForm(TeamForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["members"]


class TeamMembersForm(forms.Form):
    members = _MembersField(label=_("Members"), choices=(), coerce=int, required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = member_choices(actor)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, strip=True)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the key may do. Choose at least one."),
        error_messages={"required": _("Choose at least one scope.")},
    )


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("Who"), required=False, choices=())
    action = forms.ChoiceField(label=_("Action"), required=False, choices=())
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actor: Actor, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [
            (f"user:{m.user_id}", m.user.name or m.user.email)
            for m in Membership.objects.filter(workspace=actor.workspace)
            .select_related("user")
            .order_by("user__email")
        ]
        keys = [
            (f"key:{k.pk}", f"{_('API key')} {k.name} ({k.prefix})")
            for k in ApiKey.objects.filter(workspace=actor.workspace).order_by("name")
        ]
        cast(forms.ChoiceField, self.fields["actor"]).choices = [("", _("Anyone")), *people, *keys]
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", _("Any action")),
            *[(a, a) for a in actions],
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data
