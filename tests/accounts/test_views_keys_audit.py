"""Settings pages for API keys and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests import factories
from voxloop.accounts.models import ApiKey, AuditLog
from voxloop.accounts.services import check_api_key, do_audit
from voxloop.accounts.views.audit import PAGE_SIZE, audit_diff


@pytest.fixture
def ada(world):
    user = factories.UserFactory(email="ada@acme.test", name="Ada")
    factories.member(world.acme, user, "admin")
    return user


def _acme_key(world):
    return ApiKey.objects.filter(workspace=world.acme).first()


# --- API keys -----------------------------------------------------------------------------


def test_create_key_shows_secret_exactly_once(client, world, ada):
    client.force_login(ada)
    response = client.post(
        reverse("accounts:keys"), {"name": "Shop backend", "scopes": ["feedback:write"]}
    )
    assert response.status_code == 302
    key = ApiKey.objects.get(workspace=world.acme, name="Shop backend")
    assert response["Location"] == reverse("accounts:key_created", args=[key.pk])
    page = client.get(response["Location"])
    raw = page.context["raw"]
    assert raw and raw in page.content.decode() and 'data-copy="new-key"' in page.content.decode()
    assert check_api_key(raw) == key
    assert key.scopes == ["feedback:write"] and key.created_by == ada
    again = client.get(response["Location"])
    assert again.context["raw"] is None and raw not in again.content.decode()
    listing = client.get(reverse("accounts:keys")).content.decode()
    assert key.prefix in listing and raw not in listing and key.key_hash not in listing
    log = AuditLog.objects.get(action="apikey.create", object_id=str(key.pk))
    assert log.after == {"name": "Shop backend", "scopes": ["feedback:write"], "prefix": key.prefix}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scopes": ["feedback:read"]}, "name"),
        ({"name": "  ", "scopes": ["feedback:read"]}, "name"),
        ({"name": "k" * 121, "scopes": ["feedback:read"]}, "name"),
        ({"name": "ok", "scopes": ["root"]}, "scopes"),
        ({"name": "ok", "scopes": ["feedback:read", "superuser"]}, "scopes"),
        ({"name": "ok"}, "scopes"),
    ],
)
def test_create_key_garbage(client, world, data, field):
    client.force_login(world.alice)
    before = ApiKey.objects.count()
    response = client.post(reverse("accounts:keys"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'data-field="{field}"' in response.content.decode()
    assert ApiKey.objects.count() == before


def test_revoke_key_with_confirmation(client, world):
    client.force_login(world.alice)
    key = _acme_key(world)
    page = client.get(reverse("accounts:key_revoke", args=[key.pk]))
    assert page.status_code == 200 and key.prefix in page.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.post(reverse("accounts:key_revoke", args=[key.pk])).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert check_api_key(world.acme_key) is None
    assert AuditLog.objects.filter(action="apikey.revoke", object_id=str(key.pk)).exists()


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_keys_forbidden_for_agent_and_viewer(client, world, who):
    client.force_login(getattr(world, who))
    key = _acme_key(world)
    assert client.get(reverse("accounts:keys")).status_code == 403
    assert (
        client.post(reverse("accounts:keys"), {"name": "x", "scopes": ["admin"]}).status_code == 403
    )
    assert client.post(reverse("accounts:key_revoke", args=[key.pk])).status_code == 403
    assert client.get(reverse("accounts:key_created", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


def test_outsider_cannot_revoke_acme_key(client, world):
    client.force_login(world.charlie)
    key = _acme_key(world)
    assert client.get(reverse("accounts:key_revoke", args=[key.pk])).status_code == 404
    assert client.post(reverse("accounts:key_revoke", args=[key.pk])).status_code == 404
    assert client.get(reverse("accounts:key_created", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert key.prefix not in client.get(reverse("accounts:keys")).content.decode()


# --- audit log ----------------------------------------------------------------------------


def test_audit_diff():
    rows = audit_diff({"role": "agent", "gone": 1}, {"role": "admin", "new": [1, 2]})
    assert [(r.field, r.before, r.after, r.change) for r in rows] == [
        ("role", "agent", "admin", "changed"),
        ("gone", "1", "", "removed"),
        ("new", "", "[1, 2]", "added"),
    ]
    assert [r.change for r in audit_diff(None, {"name": "x"})] == ["added"]
    assert audit_diff(None, None) == []


def test_audit_page_shows_diff_and_filters(client, world, ada, django_assert_max_num_queries):
    owner = factories.actor(world.acme, world.alice)
    admin = factories.actor(world.acme, ada)
    do_audit(owner, "member.role", world.acme, before={"role": "agent"}, after={"role": "admin"})
    do_audit(admin, "team.create", world.acme, after={"name": "Ops"})
    old = do_audit(admin, "team.delete", world.acme, before={"name": "Old"})
    AuditLog.objects.filter(pk=old.pk).update(created_at=datetime(2024, 1, 5, 12, tzinfo=UTC))
    do_audit(factories.actor(world.globex, world.charlie), "secret.globex", world.globex)
    client.force_login(ada)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("accounts:audit"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "member.role" in body and "team.create" in body and "secret.globex" not in body
    entry = next(e for e in page.context["entries"] if e["log"].action == "member.role")
    assert [(r.before, r.after) for r in entry["diff"]] == [("agent", "admin")]

    actions = lambda r: {e["log"].action for e in r.context["entries"]}  # noqa: E731
    assert actions(client.get(reverse("accounts:audit"), {"action": "team.create"})) == {
        "team.create"
    }
    by_ada = client.get(reverse("accounts:audit"), {"actor": f"user:{ada.pk}"})
    assert actions(by_ada) == {"team.create", "team.delete"}
    in_jan = client.get(reverse("accounts:audit"), {"since": "2024-01-01", "until": "2024-01-31"})
    assert actions(in_jan) == {"team.delete"}
    assert "team.delete" not in actions(
        client.get(reverse("accounts:audit"), {"since": "2024-02-01"})
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-13-45"}, "until"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "until"),
        ({"action": "drop.tables"}, "action"),
        ({"actor": "user:999999"}, "actor"),
    ],
)
def test_audit_filter_garbage(client, world, params, field):
    client.force_login(world.alice)
    response = client.get(reverse("accounts:audit"), params)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_audit_paginates(client, world):
    actor = factories.actor(world.acme, world.alice)
    for i in range(PAGE_SIZE + 5):
        do_audit(actor, "member.role", world.acme, after={"n": i})
    client.force_login(world.alice)
    first = client.get(reverse("accounts:audit"), {"action": "member.role"})
    assert len(first.context["entries"]) == PAGE_SIZE
    assert "page=2" in first.content.decode() and "action=member.role" in first.content.decode()
    second = client.get(reverse("accounts:audit"), {"action": "member.role", "page": 2})
    assert len(second.context["entries"]) == 5
    assert client.get(reverse("accounts:audit"), {"page": "zzz"}).status_code == 200


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_audit_forbidden_for_agent_and_viewer(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("accounts:audit")).status_code == 403


def test_audit_outsider_sees_only_own_workspace(client, world):
    do_audit(factories.actor(world.acme, world.alice), "acme.secret", world.acme, after={"a": 1})
    client.force_login(world.charlie)
    page = client.get(reverse("accounts:audit"))
    assert page.status_code == 200 and "acme.secret" not in page.content.decode()
    # Filtering by an acme person is not a valid choice for him.
    response = client.get(reverse("accounts:audit"), {"actor": f"user:{world.alice.pk}"})
    assert response.status_code == 400


def test_audit_day_boundaries_use_workspace_time_zone(client, world):
    world.acme.timezone = "Asia/Shanghai"
    world.acme.save(update_fields=["timezone"])
    log = do_audit(factories.actor(world.acme, world.alice), "tz.check", world.acme)
    # 2024-03-01 23:30 in Shanghai is 15:30 UTC the same day; 2024-03-02 00:30 there is 16:30 UTC.
    AuditLog.objects.filter(pk=log.pk).update(
        created_at=datetime(2024, 3, 1, 16, 30, tzinfo=UTC) + timedelta(0)
    )
    client.force_login(world.alice)
    day = client.get(reverse("accounts:audit"), {"since": "2024-03-02", "until": "2024-03-02"})
    assert [e["log"].pk for e in day.context["entries"]] == [log.pk]
    prev = client.get(reverse("accounts:audit"), {"until": "2024-03-01", "action": "tz.check"})
    assert prev.context["entries"] == []
