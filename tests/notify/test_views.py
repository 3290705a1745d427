"""Notify pages: destinations and the delivery log, permissions and bad input."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest
from django.urls import reverse

from tests.notify.conftest import Receiver, destination
from voxloop.accounts.models import AuditLog
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery, Destination
from voxloop.notify.services import do_send

pytestmark = pytest.mark.django_db


def _form(**fields: Any) -> dict[str, Any]:
    data = {"name": "Ops hook", "kind": "webhook", "url": "", "recipients": "", "secret": ""}
    data.update(fields)
    return data


def test_create_webhook_shows_the_generated_secret_once(
    client: Any, world: Any, receiver: Receiver
) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("notify:destination_new"), _form(url=receiver.url("/h")))
    assert response.status_code == 302
    dest = Destination.objects.get(workspace=world.acme, name="Ops hook")
    secret = dest.config["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30
    page = client.get(response["Location"])
    assert page.status_code == 200 and secret in page.content.decode()
    again = client.get(response["Location"]).content.decode()
    assert secret not in again and secret[:4] + "…" in again  # masked from now on
    assert secret not in client.get(reverse("notify:destinations")).content.decode()
    log = AuditLog.objects.get(action="notify.destination.create")
    assert secret not in json.dumps(log.after)
    # the test button sends a signed message the receiver can verify with that secret
    sent = client.post(reverse("notify:destination_test", args=[dest.pk]))
    assert sent.status_code == 302
    [req] = receiver.at("/h")
    mac = hmac.new(
        secret.encode(), req.headers["x-voxloop-timestamp"].encode() + b"." + req.body, "sha256"
    )
    assert req.headers["x-voxloop-signature"] == "sha256=" + mac.hexdigest()
    assert req.json()["type"] == "test"
    assert Delivery.objects.get(destination=dest).state == "sent"


def test_editing_keeps_the_secret_unless_rotated(
    client: Any, world: Any, receiver: Receiver
) -> None:
    client.force_login(world.alice)
    dest = destination(
        world.acme, "webhook", name="Hook", url=receiver.url("/a"), secret="keep-me-123"
    )
    url = reverse("notify:destination", args=[dest.pk])
    assert client.post(url, _form(name="Hook 2", url=receiver.url("/b"))).status_code == 302
    dest.refresh_from_db()
    assert dest.name == "Hook 2" and dest.config == {
        "url": receiver.url("/b"),
        "secret": "keep-me-123",
    }
    response = client.post(url, _form(name="Hook 2", url=receiver.url("/b"), rotate_secret="on"))
    dest.refresh_from_db()
    assert dest.config["secret"] != "keep-me-123"
    assert dest.config["secret"] in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "ftp://example.com/hook"}, "url", "Only http:// and https://"),
        ({"url": "http://127.0.0.1:8000/hook"}, "url", "not allowed"),
        ({"url": "garbage"}, "url", "Only http:// and https://"),
        ({"url": ""}, "url", "Enter a URL"),
        ({"url": "https://ok.example.com/x", "secret": "short"}, "secret", "8 to 200"),
        (
            {"kind": "email", "recipients": "cx@acme.test, not-an-address"},
            "recipients",
            "not-an-address",
        ),
        ({"kind": "email", "recipients": ""}, "recipients", "at least one"),
        ({"kind": "pigeon"}, "kind", "Select a valid choice"),
        ({"name": ""}, "name", "required"),
        ({"url": "https://ok.example.com/x", "quiet_start": "22:00"}, "quiet_end", "both ends"),
        ({"url": "https://ok.example.com/x", "quiet_start": "25:99"}, "quiet_start", "valid time"),
        (
            {"url": "https://ok.example.com/x", "quiet_timezone": "Mars/Olympus"},
            "quiet_timezone",
            "Unknown time zone",
        ),
    ],
)
def test_bad_input_gets_a_clear_form_error(
    client: Any, world: Any, settings: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(world.alice)
    response = client.post(reverse("notify:destination_new"), _form(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert f'data-field="{field}"' in response.content.decode()
    assert not Destination.objects.exists()


def test_duplicate_name_is_refused(client: Any, world: Any) -> None:
    destination(world.acme, "email", name="Team", recipients=["a@acme.test"])
    client.force_login(world.alice)
    response = client.post(
        reverse("notify:destination_new"),
        _form(name="team", kind="email", recipients="b@acme.test"),
    )
    assert response.status_code == 400
    assert "already has this name" in " ".join(response.context["form"].errors["name"])


def test_outsider_gets_404_on_acme_destinations_and_deliveries(client: Any, world: Any) -> None:
    dest = destination(world.acme, "email", recipients=["a@acme.test"])
    [delivery] = do_send(world.acme.pk, [dest.pk], Message(title="t", text="x"))
    client.force_login(world.charlie)  # owner of globex
    assert client.get(reverse("notify:destination", args=[dest.pk])).status_code == 404
    assert client.post(reverse("notify:destination", args=[dest.pk]), _form()).status_code == 404
    assert client.post(reverse("notify:destination_test", args=[dest.pk])).status_code == 404
    assert client.post(reverse("notify:destination_disable", args=[dest.pk])).status_code == 404
    assert client.post(reverse("notify:delivery_retry", args=[delivery])).status_code == 404
    listing = client.get(reverse("notify:destinations")).content.decode()
    assert dest.name not in listing
    log = client.get(reverse("notify:deliveries"), {"destination": dest.pk})
    assert log.status_code == 400 and "destination" in log.context["form"].errors
    assert client.get(reverse("notify:deliveries")).context["page"].object_list.count() == 0


def test_viewer_and_agent_cannot_manage_destinations(client: Any, world: Any) -> None:
    dest = destination(world.acme, "email", recipients=["a@acme.test"])
    for user in (world.vera, world.bob):
        client.force_login(user)
        assert client.get(reverse("notify:destinations")).status_code == 403
        assert (
            client.post(
                reverse("notify:destination_new"), _form(url="https://x.example.com/h")
            ).status_code
            == 403
        )
        assert client.post(reverse("notify:destination_test", args=[dest.pk])).status_code == 403
        assert client.get(reverse("notify:deliveries")).status_code == 403
    assert Destination.objects.count() == 1


def test_anonymous_is_sent_to_login(client: Any, world: Any) -> None:
    response = client.get(reverse("notify:destinations"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_delivery_log_filters_and_garbage(client: Any, world: Any, receiver: Receiver) -> None:
    ok = destination(world.acme, "webhook", name="OK", url=receiver.url("/ok"))
    bad = destination(world.acme, "webhook", name="Bad", url=receiver.answer("/bad", status=500))
    from voxloop.notify.services import do_deliver_due

    do_send(world.acme.pk, [ok.pk, bad.pk], Message(title="Spike", text="x"))
    do_deliver_due()
    client.force_login(world.alice)
    url = reverse("notify:deliveries")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTTP 500" in html and 'data-state="sent"' in html and 'data-state="failed"' in html
    failed = client.get(url, {"state": "failed"}).context["page"].object_list
    assert [d.destination_id for d in failed] == [bad.pk]
    only_ok = client.get(url, {"destination": ok.pk}).context["page"].object_list
    assert [d.state for d in only_ok] == ["sent"]
    for garbage in ({"state": "exploded"}, {"destination": "abc"}, {"destination": "99999"}):
        response = client.get(url, garbage)
        assert response.status_code == 400
        assert set(response.context["form"].errors) == set(garbage)
    # retry a failed delivery from the log
    [row] = failed
    response = client.post(
        reverse("notify:delivery_retry", args=[row.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == url
    row.refresh_from_db()
    assert row.state == "pending" and row.attempts == 0  # back in the outbox with fresh attempts


def test_enable_and_disable(client: Any, world: Any) -> None:
    dest = destination(world.acme, "email", recipients=["a@acme.test"])
    Destination.objects.filter(pk=dest.pk).update(failure_count=3)
    client.force_login(world.alice)
    client.post(reverse("notify:destination_disable", args=[dest.pk]))
    dest.refresh_from_db()
    assert not dest.is_active and "Alice" in dest.disabled_reason
    assert client.get(reverse("notify:destination_disable", args=[dest.pk])).status_code == 405
    test = client.post(reverse("notify:destination_test", args=[dest.pk]), follow=True)
    assert "Enable the destination" in test.content.decode()
    client.post(reverse("notify:destination_enable", args=[dest.pk]))
    dest.refresh_from_db()
    assert dest.is_active and dest.failure_count == 0 and dest.disabled_reason == ""


def test_pages_render_in_chinese(client: Any, world: Any) -> None:
    destination(
        world.acme,
        "dingtalk",
        name="钉钉群",
        url="https://oapi.dingtalk.com/robot/send?access_token=x",
    )
    client.force_login(world.alice)
    headers = {"Accept-Language": "zh-hans"}
    listing = client.get(reverse("notify:destinations"), headers=headers).content.decode()
    assert "通知目标" in listing and "钉钉群" in listing
    new = client.get(reverse("notify:destination_new"), headers=headers).content.decode()
    assert "签名密钥" in new
    log = client.get(reverse("notify:deliveries"), headers=headers).content.decode()
    assert "投递记录" in log


def test_list_view_query_count(client: Any, world: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        destination(world.acme, "email", name=f"D{i}", recipients=["a@acme.test"])
    client.force_login(world.alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notify:destinations")).status_code == 200
