"""The layout: navigation per role, workspace switcher, language switch, sign-in and out."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from voxloop.web.middleware import SESSION_KEY

pytestmark = pytest.mark.django_db

SETTINGS = ["/settings/members/", "/settings/keys/", "/settings/audit/", "/feedback/channels/"]


def test_owner_sees_the_whole_navigation(login: Any, world: Any) -> None:
    body = login(world.alice).get("/inbox/").content.decode()
    for href in [
        "/inbox/",
        "/insights/",
        "/insights/alerts/",
        "/feedback/import/",
        "/feedback/export/",
        "/surveys/",
        "/tickets/",
        "/improvements/",
        "/settings/teams/",
        "/settings/taxonomy/",
        "/notify/destinations/",
        *SETTINGS,
    ]:
        assert f'href="{href}"' in body, href
    assert 'class="active" aria-current="page"><svg' in body


def test_viewer_sees_no_settings_they_cannot_use(login: Any, world: Any) -> None:
    body = login(world.vera).get("/inbox/").content.decode()
    assert 'href="/insights/"' in body and 'href="/surveys/"' in body
    for href in [
        *SETTINGS,
        "/feedback/import/",
        "/feedback/export/",
        "/settings/teams/",
        "/settings/taxonomy/",
        "/notify/destinations/",
    ]:
        assert f'href="{href}"' not in body, href
    assert ">Settings<" not in body


def test_export_is_in_the_navigation_of_those_who_may_export(login: Any, world: Any) -> None:
    analyst = factories.member(world.acme, factories.UserFactory(name="Nina"), "analyst")
    body = login(analyst.user).get("/inbox/").content.decode()
    assert 'href="/feedback/export/"' in body
    assert 'href="/notify/destinations/"' not in body


@pytest.mark.parametrize("path", ["/surveys/", "/tickets/", "/improvements/"])
def test_planned_pages_say_so(login: Any, world: Any, path: str) -> None:
    response = login(world.bob).get(path)
    assert response.status_code == 200
    assert "not built yet" in response.content.decode()


def test_workspace_switch(login: Any, world: Any, inbox: Any) -> None:
    factories.member(world.globex, world.bob, "viewer")
    client = login(world.bob)
    assert "Globex" in client.get("/inbox/").content.decode()  # listed in the switcher
    response = client.post("/workspace/", {"workspace": world.globex.slug, "next": "/inbox/?q=x"})
    assert response.status_code == 302 and response.url == "/inbox/"
    assert client.session[SESSION_KEY] == world.globex.slug
    body = client.get("/inbox/").content.decode()
    assert "Globex secret feedback" in body and "call me at" not in body
    # an item page of the old workspace is not where the switch lands
    back = client.post(
        "/workspace/", {"workspace": world.acme.slug, "next": f"/inbox/{inbox.late_item.pk}/"}
    )
    assert back.url == "/inbox/"
    assert (
        client.post("/workspace/", {"workspace": world.acme.slug, "next": "https://evil.test/"}).url
        == "/inbox/"
    )
    assert (
        client.post("/workspace/", {"workspace": world.acme.slug, "next": "/insights/alerts/"}).url
        == "/insights/alerts/"
    )


def test_switching_to_a_workspace_you_are_not_in_is_404(login: Any, world: Any) -> None:
    client = login(world.charlie)
    assert client.post("/workspace/", {"workspace": world.acme.slug}).status_code == 404
    assert client.post("/workspace/", {"workspace": ""}).status_code == 404
    assert client.post("/workspace/", {"workspace": "x" * 500}).status_code == 404
    assert SESSION_KEY not in client.session
    assert client.get("/workspace/").status_code == 405


def test_user_without_workspace_gets_a_plain_answer(client: Any, db: Any) -> None:
    lonely = factories.UserFactory(email="lonely@example.test")
    client.force_login(lonely)
    response = client.get("/inbox/")
    assert response.status_code == 403
    assert "not a member of any workspace" in response.content.decode()


def test_language_switch_to_chinese(login: Any, world: Any) -> None:
    client = login(world.bob)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/inbox/"})
    assert response.status_code == 302 and response.url == "/inbox/"
    body = client.get("/inbox/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "收件箱" in body and "仪表盘" in body and "退出登录" in body
    assert ">Inbox<" not in body


def test_login_page_and_sign_out(client: Any, world: Any) -> None:
    body = client.get("/login/").content.decode()
    assert 'name="username"' in body and "Sign in" in body
    zh = client.get("/login/", headers={"Accept-Language": "zh-Hans"}).content.decode()
    assert "登录" in zh and "密码" in zh
    response = client.post(
        "/login/", {"username": world.bob.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get("/").url == "/inbox/"
    assert client.post("/logout/").url == "/login/"
    assert client.get("/inbox/").url.startswith("/login/")


def test_vendored_libraries_are_present() -> None:
    from django.contrib.staticfiles import finders

    for name in [
        "vendor/htmx.min.js",
        "vendor/echarts.min.js",
        "vendor/LICENSE-htmx",
        "vendor/LICENSE-echarts",
        "vendor/README",
        "voxloop/app.js",
    ]:
        assert finders.find(name), name


def test_only_the_closest_navigation_entry_is_active(world):
    from tests import factories
    from voxloop.web import nav

    actor = factories.actor(world.acme, world.alice)

    def active(path: str) -> list[str]:
        return [str(link.url) for link in nav.links(actor, path, nav.MAIN) if link.active]

    assert active("/insights/alerts/12/") == ["/insights/alerts/"]
    assert active("/insights/") == ["/insights/"]
    assert active("/inbox/") == ["/inbox/"]
    assert active("/nowhere/") == []
