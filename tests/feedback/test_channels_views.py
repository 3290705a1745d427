"""Settings → Channels: list, create, edit, ingest hints; permissions and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from voxloop.accounts.models import AuditLog
from voxloop.feedback.models import Channel

pytestmark = pytest.mark.django_db


def test_list_create_and_edit(client, world):
    client.force_login(world.alice)
    factories.item(world.acme, "one")
    page = client.get(reverse("feedback:channels")).content.decode()
    for slug in ("api", "import", "widget", "email"):
        assert f"<code>{slug}</code>" in page
    res = client.post(
        reverse("feedback:channels"),
        {"name": "App Store 评论", "kind": "review", "is_active": "on", "config": '{"app": "ios"}'},
    )
    channel = Channel.objects.get(workspace=world.acme, kind="review")
    assert res.status_code == 302 and res["Location"] == reverse(
        "feedback:channel_edit", args=[channel.pk]
    )
    assert channel.config == {"app": "ios"} and channel.is_active
    edit = client.get(res["Location"]).content.decode()
    assert (
        f"&quot;channel&quot;: &quot;{channel.slug}&quot;" in edit
    )  # the API hint names this channel
    assert f"--channel {channel.slug}" in edit  # and so does the import hint
    res = client.post(res["Location"], {"name": "App Store", "kind": "review", "config": ""})
    assert res.status_code == 200 and "Saved." in res.content.decode()
    channel.refresh_from_db()
    assert channel.name == "App Store" and not channel.is_active and channel.config == {}
    assert AuditLog.objects.filter(workspace=world.acme, action="channel.update").exists()


def test_bad_input_names_the_field(client, world):
    client.force_login(world.alice)
    url = reverse("feedback:channels")
    cases = [
        ({"name": "X", "kind": "fax"}, "kind"),
        ({"name": "", "kind": "api"}, "name"),
        ({"name": "X", "kind": "api", "config": "{oops"}, "config"),
        ({"name": "X", "kind": "api", "config": "[1, 2]"}, "config"),
        ({"name": "API", "kind": "api"}, "name"),  # the slug api exists already
    ]
    for data, field in cases:
        res = client.post(url, data)
        assert res.status_code == 400, data
        assert f'data-field="{field}"' in res.content.decode(), data
    assert Channel.objects.filter(workspace=world.acme).count() == 4


def test_permissions(client, world):
    theirs = Channel.objects.get(workspace=world.globex, slug="api")
    ours = Channel.objects.get(workspace=world.acme, slug="api")
    for user in (world.vera, world.bob):  # viewer and agent may not manage channels
        client.force_login(user)
        assert client.get(reverse("feedback:channels")).status_code == 403
        assert (
            client.post(reverse("feedback:channels"), {"name": "x", "kind": "api"}).status_code
            == 403
        )
        assert client.get(reverse("feedback:channel_edit", args=[ours.pk])).status_code == 403
    client.force_login(world.charlie)
    edit = reverse("feedback:channel_edit", args=[ours.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "pwned", "kind": "api"}).status_code == 404
    assert client.get(reverse("feedback:channel_edit", args=[theirs.pk])).status_code == 200
    ours.refresh_from_db()
    assert ours.name == "API"
