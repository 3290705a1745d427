"""Settings pages for members and teams: permissions, garbage input, audit rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from voxloop.accounts.models import AuditLog, Membership, Team, User


def _login(client, user):
    client.force_login(user)
    return client


def _field_errors(response, form_key="form"):
    return response.context[form_key].errors


@pytest.fixture
def ada(world):
    """An admin of acme."""
    user = factories.UserFactory(email="ada@acme.test", name="Ada")
    factories.member(world.acme, user, "admin")
    return user


@pytest.fixture
def mona(world):
    """A manager of acme."""
    user = factories.UserFactory(email="mona@acme.test", name="Mona")
    factories.member(world.acme, user, "manager")
    return user


def _membership(world, user):
    return Membership.objects.get(workspace=world.acme, user=user)


# --- members ------------------------------------------------------------------------------


def test_owner_and_admin_see_members(client, world, ada, django_assert_max_num_queries):
    for user in (world.alice, ada):
        _login(client, user)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("accounts:members"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "bob@acme.test" in body and "vera@acme.test" in body
        assert "charlie@globex.test" not in body


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_agent_and_viewer_get_403(client, world, who):
    _login(client, getattr(world, who))
    target = _membership(world, world.vera).pk
    assert client.get(reverse("accounts:members")).status_code == 403
    assert (
        client.post(
            reverse("accounts:members"), {"email": "x@y.test", "role": "viewer"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("accounts:member_role", args=[target]), {"role": "admin"}).status_code
        == 403
    )
    assert client.post(reverse("accounts:member_remove", args=[target])).status_code == 403
    assert _membership(world, world.vera).role == "viewer"
    assert not Membership.objects.filter(user__email="x@y.test").exists()


def test_outsider_gets_404_for_acme_members(client, world):
    _login(client, world.charlie)
    target = _membership(world, world.bob).pk
    assert (
        client.post(reverse("accounts:member_role", args=[target]), {"role": "viewer"}).status_code
        == 404
    )
    assert client.get(reverse("accounts:member_remove", args=[target])).status_code == 404
    assert client.post(reverse("accounts:member_remove", args=[target])).status_code == 404
    assert client.post(reverse("accounts:member_invite", args=[target])).status_code == 404
    assert _membership(world, world.bob).role == "agent"
    # His own members page lists only globex.
    body = client.get(reverse("accounts:members")).content.decode()
    assert "bob@acme.test" not in body


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("accounts:members"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_add_new_person_shows_invite_link_once_and_it_works(client, world):
    _login(client, world.alice)
    response = client.post(
        reverse("accounts:members"), {"email": "  New.Person@Acme.test ", "role": "analyst"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(workspace=world.acme, user__email="new.person@acme.test")
    assert membership.role == "analyst"
    assert not membership.user.has_usable_password()
    log = AuditLog.objects.get(workspace=world.acme, action="member.add")
    assert log.after == {"email": "new.person@acme.test", "role": "analyst"}

    page = client.get(reverse("accounts:members"))
    invite = page.context["invite"]
    assert invite["email"] == "new.person@acme.test" and "/settings/invite/" in invite["url"]
    assert invite["url"] in page.content.decode()
    assert client.get(reverse("accounts:members")).context["invite"] is None  # shown once

    client.logout()
    path = invite["url"].split("testserver", 1)[1]
    step = client.get(path)
    assert step.status_code == 302  # Django moves the token out of the URL
    form_page = client.get(step["Location"])
    assert form_page.context["validlink"]
    done = client.post(
        step["Location"],
        {"new_password1": "a long walk at dawn 42", "new_password2": "a long walk at dawn 42"},
    )
    assert done.status_code == 302
    user = User.objects.get(email="new.person@acme.test")
    assert user.check_password("a long walk at dawn 42")
    # The link works once.
    again = client.get(path, follow=True)
    assert not again.context["validlink"]


def test_add_existing_user_has_no_invite(client, world):
    _login(client, world.alice)
    response = client.post(
        reverse("accounts:members"), {"email": "charlie@globex.test", "role": "viewer"}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:members")).context["invite"] is None
    assert Membership.objects.filter(workspace=world.acme, user=world.charlie).exists()


def test_renew_invite_link(client, world):
    _login(client, world.alice)
    client.post(reverse("accounts:members"), {"email": "late@acme.test", "role": "viewer"})
    client.get(reverse("accounts:members"))  # consume the first link
    m = Membership.objects.get(workspace=world.acme, user__email="late@acme.test")
    assert client.post(reverse("accounts:member_invite", args=[m.pk])).status_code == 302
    assert "/settings/invite/" in client.get(reverse("accounts:members")).context["invite"]["url"]
    assert AuditLog.objects.filter(action="member.invite", object_id=str(m.pk)).exists()
    # A member with a password gets no link.
    bob = _membership(world, world.bob)
    response = client.post(reverse("accounts:member_invite", args=[bob.pk]))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "", "role": "viewer"}, "email"),
        ({"email": "not-an-email", "role": "viewer"}, "email"),
        ({"email": "x" * 250 + "@a.test", "role": "viewer"}, "email"),
        ({"email": "bob@acme.test", "role": "viewer"}, "email"),
        ({"email": "ok@acme.test", "role": "emperor"}, "role"),
        ({"email": "ok@acme.test"}, "role"),
    ],
)
def test_add_member_garbage(client, world, data, field):
    _login(client, world.alice)
    response = client.post(reverse("accounts:members"), data)
    assert response.status_code == 400
    assert field in response.context["add_form"].errors
    assert f'data-field="{field}"' in response.content.decode()
    assert not AuditLog.objects.filter(action="member.add").exists()


def test_admin_cannot_make_owners(client, world, ada):
    _login(client, ada)
    response = client.post(
        reverse("accounts:members"), {"email": "boss@acme.test", "role": "owner"}
    )
    assert response.status_code == 400 and "role" in response.context["add_form"].errors
    bob = _membership(world, world.bob)
    response = client.post(reverse("accounts:member_role", args=[bob.pk]), {"role": "owner"})
    assert response.status_code == 400
    assert _membership(world, world.bob).role == "agent"
    # Nor touch an owner's role.
    alice = _membership(world, world.alice)
    response = client.post(reverse("accounts:member_role", args=[alice.pk]), {"role": "viewer"})
    assert response.status_code == 400
    assert _membership(world, world.alice).role == "owner"


def test_change_role_audited(client, world, ada):
    _login(client, ada)
    bob = _membership(world, world.bob)
    response = client.post(reverse("accounts:member_role", args=[bob.pk]), {"role": "manager"})
    assert response.status_code == 302
    assert _membership(world, world.bob).role == "manager"
    log = AuditLog.objects.get(action="member.role", object_id=str(bob.pk))
    assert (log.before, log.after, log.actor_user) == ({"role": "agent"}, {"role": "manager"}, ada)


def test_last_owner_cannot_be_demoted_or_removed(client, world):
    _login(client, world.alice)
    own = _membership(world, world.alice)
    response = client.post(reverse("accounts:member_role", args=[own.pk]), {"role": "admin"})
    assert response.status_code == 400
    members = response.context["members"]
    assert any("owner" in " ".join(row["errors"]) for row in members if row["m"].pk == own.pk)
    assert _membership(world, world.alice).role == "owner"
    response = client.post(reverse("accounts:member_remove", args=[own.pk]))
    assert response.status_code == 400 and response.context["errors"]
    assert _membership(world, world.alice).role == "owner"
    assert not AuditLog.objects.filter(action__in=["member.role", "member.remove"]).exists()

    # With a second owner, the first may step down.
    second = _membership(world, world.bob)
    client.post(reverse("accounts:member_role", args=[second.pk]), {"role": "owner"})
    assert _membership(world, world.bob).role == "owner"
    response = client.post(reverse("accounts:member_role", args=[own.pk]), {"role": "admin"})
    assert response.status_code == 302
    assert _membership(world, world.alice).role == "admin"


def test_remove_member_with_confirmation(client, world):
    _login(client, world.alice)
    vera = _membership(world, world.vera)
    page = client.get(reverse("accounts:member_remove", args=[vera.pk]))
    assert page.status_code == 200 and "vera@acme.test" in page.content.decode()
    assert Membership.objects.filter(pk=vera.pk).exists()
    assert client.post(reverse("accounts:member_remove", args=[vera.pk])).status_code == 302
    assert not Membership.objects.filter(pk=vera.pk).exists()
    log = AuditLog.objects.get(action="member.remove")
    assert log.before == {"email": "vera@acme.test"}


# --- teams --------------------------------------------------------------------------------


def test_teams_crud(client, world, mona):
    _login(client, mona)  # managers may manage teams
    response = client.post(
        reverse("accounts:teams"), {"name": " Delivery ", "members": [world.bob.pk, world.vera.pk]}
    )
    assert response.status_code == 302
    team = Team.objects.get(workspace=world.acme, name="Delivery")
    assert set(team.members.values_list("pk", flat=True)) == {world.bob.pk, world.vera.pk}
    assert AuditLog.objects.filter(action="team.create", object_id=str(team.pk)).exists()
    assert "Delivery" in client.get(reverse("accounts:teams")).content.decode()
    assert client.get(reverse("accounts:team", args=[team.pk])).status_code == 200

    response = client.post(reverse("accounts:team_rename", args=[team.pk]), {"name": "Logistics"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Logistics"
    log = AuditLog.objects.get(action="team.rename")
    assert (log.before, log.after) == ({"name": "Delivery"}, {"name": "Logistics"})

    response = client.post(
        reverse("accounts:team_members", args=[team.pk]), {"members": [world.alice.pk]}
    )
    assert response.status_code == 302
    assert list(team.members.values_list("pk", flat=True)) == [world.alice.pk]
    log = AuditLog.objects.filter(action="team.members").latest("pk")
    assert log.before == {"members": sorted([world.bob.pk, world.vera.pk])}
    assert log.after == {"members": [world.alice.pk]}

    assert client.get(reverse("accounts:team_delete", args=[team.pk])).status_code == 200
    assert client.post(reverse("accounts:team_delete", args=[team.pk])).status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert AuditLog.objects.get(action="team.delete").before == {"name": "Logistics"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Ops", "members": ["nope"]}, "members"),
    ],
)
def test_team_garbage(client, world, data, field):
    _login(client, world.alice)
    response = client.post(reverse("accounts:teams"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Team.objects.filter(workspace=world.acme).exists()


def test_team_members_must_belong_to_workspace(client, world):
    _login(client, world.alice)
    team = Team.objects.create(workspace=world.acme, name="Ops")
    response = client.post(reverse("accounts:teams"), {"name": "Ops"})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    response = client.post(
        reverse("accounts:team_members", args=[team.pk]), {"members": [world.charlie.pk]}
    )
    assert response.status_code == 400
    assert "members" in response.context["members_form"].errors
    assert not team.members.exists()
    other = Team.objects.create(workspace=world.acme, name="Sales")
    response = client.post(reverse("accounts:team_rename", args=[other.pk]), {"name": "Ops"})
    assert response.status_code == 400 and "name" in response.context["rename_form"].errors


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_teams_forbidden_for_agent_and_viewer(client, world, who):
    team = Team.objects.create(workspace=world.acme, name="Ops")
    _login(client, getattr(world, who))
    assert client.get(reverse("accounts:teams")).status_code == 403
    assert client.post(reverse("accounts:teams"), {"name": "X"}).status_code == 403
    assert (
        client.post(reverse("accounts:team_rename", args=[team.pk]), {"name": "Y"}).status_code
        == 403
    )
    assert client.post(reverse("accounts:team_delete", args=[team.pk])).status_code == 403
    assert Team.objects.filter(workspace=world.acme).count() == 1


def test_teams_outsider_gets_404(client, world):
    team = Team.objects.create(workspace=world.acme, name="Ops")
    _login(client, world.charlie)
    assert client.get(reverse("accounts:team", args=[team.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:team_rename", args=[team.pk]), {"name": "Y"}).status_code
        == 404
    )
    assert (
        client.post(reverse("accounts:team_members", args=[team.pk]), {"members": []}).status_code
        == 404
    )
    assert client.post(reverse("accounts:team_delete", args=[team.pk])).status_code == 404
    team.refresh_from_db()
    assert team.name == "Ops"


def test_settings_pages_are_translated(client, world):
    _login(client, world.alice)
    headers = {"Accept-Language": "zh-hans"}
    body = client.get(reverse("accounts:members"), headers=headers).content.decode()
    assert "成员与角色" in body and "添加成员" in body and "所有者" in body
    assert "Members and roles" not in body
    assert "创建密钥" in client.get(reverse("accounts:keys"), headers=headers).content.decode()
    assert "审计日志" in client.get(reverse("accounts:audit"), headers=headers).content.decode()
    assert "创建团队" in client.get(reverse("accounts:teams"), headers=headers).content.decode()
