"""UI routes of the accounts app (Settings → members, teams, API keys, audit log)."""

from __future__ import annotations

from django.urls import path

from voxloop.accounts.views import audit, keys, members, teams

app_name = "accounts"

urlpatterns = [
    path("members/", members.members, name="members"),
    path("members/<int:membership_id>/role/", members.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", members.member_remove, name="member_remove"),
    path("members/<int:membership_id>/invite/", members.member_invite, name="member_invite"),
    path("invite/<uidb64>/<token>/", members.InviteAcceptView.as_view(), name="invite_accept"),
    path("teams/", teams.teams, name="teams"),
    path("teams/<int:team_id>/", teams.team_detail, name="team"),
    path("teams/<int:team_id>/rename/", teams.team_rename, name="team_rename"),
    path("teams/<int:team_id>/members/", teams.team_members, name="team_members"),
    path("teams/<int:team_id>/delete/", teams.team_delete, name="team_delete"),
    path("keys/", keys.keys, name="keys"),
    path("keys/<int:key_id>/created/", keys.key_created, name="key_created"),
    path("keys/<int:key_id>/revoke/", keys.key_revoke, name="key_revoke"),
    path("audit/", audit.audit, name="audit"),
]
