"""Members, roles, teams and API keys: the permission matrix applied to people."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from voxloop.accounts.models import AuditLog, Membership, Role
from voxloop.accounts.permissions import MATRIX, role_can, scopes_can
from voxloop.accounts.services import (
    check_api_key,
    do_add_member,
    do_change_role,
    do_create_api_key,
    do_create_team,
    do_remove_member,
    do_revoke_api_key,
    do_set_team_members,
)


def test_matrix_shape():
    assert role_can("owner", "workspace.manage")
    assert not role_can("admin", "workspace.manage")
    assert not role_can("viewer", "feedback.relabel")
    assert role_can("analyst", "feedback.export") and not role_can("agent", "feedback.export")
    assert all("owner" in roles for roles in MATRIX.values())
    with pytest.raises(KeyError):
        role_can("owner", "nonsense.action")
    assert scopes_can(["admin"], "members.manage")
    assert not scopes_can(["feedback:write"], "feedback.view")


def test_add_member_and_audit(world):
    alice = factories.actor(world.acme, world.alice)
    m = do_add_member(alice, "new@acme.test", "analyst")
    assert m.role == "analyst"
    log = AuditLog.objects.filter(workspace=world.acme, action="member.add").get()
    assert log.actor_user == world.alice and log.after["email"] == "new@acme.test"
    with pytest.raises(ValidationError):
        do_add_member(alice, "new@acme.test", "viewer")
    with pytest.raises(ValidationError):
        do_add_member(alice, "x@y.z", "emperor")
    with pytest.raises(ValidationError):
        do_add_member(alice, "not-an-email", "viewer")


def test_non_admins_cannot_manage_members(world):
    bob = factories.actor(world.acme, world.bob)
    with pytest.raises(PermissionDenied):
        do_add_member(bob, "x@acme.test", "viewer")


def test_last_owner_is_kept(world):
    alice = factories.actor(world.acme, world.alice)
    own = Membership.objects.get(workspace=world.acme, user=world.alice)
    with pytest.raises(ValidationError):
        do_change_role(alice, own.pk, "admin")
    with pytest.raises(ValidationError):
        do_remove_member(alice, own.pk)


def test_admin_cannot_touch_owners(world):
    admin_user = factories.UserFactory(email="adm@acme.test")
    factories.member(world.acme, admin_user, Role.ADMIN)
    admin = factories.actor(world.acme, admin_user)
    own = Membership.objects.get(workspace=world.acme, user=world.alice)
    with pytest.raises(PermissionDenied):
        do_change_role(admin, own.pk, "viewer")
    bob = Membership.objects.get(workspace=world.acme, user=world.bob)
    with pytest.raises(PermissionDenied):
        do_change_role(admin, bob.pk, "owner")
    assert do_change_role(admin, bob.pk, "manager").role == "manager"


def test_membership_of_other_workspace_is_not_found(world):
    alice = factories.actor(world.acme, world.alice)
    theirs = Membership.objects.get(workspace=world.globex, user=world.charlie)
    with pytest.raises(Membership.DoesNotExist):
        do_change_role(alice, theirs.pk, "viewer")


def test_teams(world):
    alice = factories.actor(world.acme, world.alice)
    team = do_create_team(alice, "Support", [world.bob.pk])
    assert list(team.members.all()) == [world.bob]
    with pytest.raises(ValidationError):
        do_create_team(alice, "Support")
    with pytest.raises(ValidationError):
        do_set_team_members(alice, team.pk, [world.charlie.pk])


def test_api_key_lifecycle(world):
    alice = factories.actor(world.acme, world.alice)
    key, raw = do_create_api_key(alice, "zapier", ["feedback:write"])
    assert raw.startswith("vxk_" + key.prefix)
    assert check_api_key(raw) == key
    assert check_api_key(raw + "x") is None
    assert check_api_key("vxk_" + key.prefix + "_wrong") is None
    do_revoke_api_key(alice, key.pk)
    assert check_api_key(raw) is None
    with pytest.raises(ValidationError):
        do_create_api_key(alice, "bad", ["root"])
    with pytest.raises(ValidationError):
        do_create_api_key(alice, " ", ["admin"])
    with pytest.raises(PermissionDenied):
        do_create_api_key(factories.actor(world.acme, world.bob), "nope", ["admin"])
