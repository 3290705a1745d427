"""Each destination kind, delivered for real to an HTTP receiver on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from tests.notify.conftest import Receiver, destination
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery
from voxloop.notify.services import do_deliver_due, do_send

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ALERT = Message(
    title="Delivery complaints up 340%",
    text="Negative feedback on Delivery › Late rose from 12 to 53 in 24 h.",
    url="https://voxloop.example.com/insights/alerts/7/",
    severity=7,
    kind="alert",
    fields={"Topic": "Delivery › Late", "Channels": "app, email"},
    payload={"alert_id": 7, "observed": 53, "expected": 12},
)


def _deliver(ws: Any, dest: Any, message: Message = ALERT) -> Delivery:
    with time_machine.travel(NOW, tick=False):
        [delivery_id] = do_send(ws.pk, [dest.pk], message)
        assert do_deliver_due() == 1
    return Delivery.objects.get(pk=delivery_id)


def test_webhook_is_signed_json(world: Any, receiver: Receiver) -> None:
    dest = destination(world.acme, "webhook", url=receiver.url("/hook"), secret="s3cret-key-1")
    delivery = _deliver(world.acme, dest)
    assert delivery.state == "sent" and delivery.last_status_code == 200
    [req] = receiver.at("/hook")
    timestamp = req.headers["x-voxloop-timestamp"]
    assert timestamp == str(int(NOW.timestamp()))
    expected = hmac.new(b"s3cret-key-1", timestamp.encode() + b"." + req.body, hashlib.sha256)
    assert req.headers["x-voxloop-signature"] == "sha256=" + expected.hexdigest()
    assert req.headers["x-voxloop-delivery"] == str(delivery.pk)
    assert req.headers["content-type"].startswith("application/json")
    body = req.json()
    assert body["id"] == delivery.pk and body["type"] == "alert"
    assert body["title"] == ALERT.title and body["severity"] == 7
    assert body["payload"] == {"alert_id": 7, "observed": 53, "expected": 12}
    assert body["fields"]["Topic"] == "Delivery › Late"
    # a receiver with the wrong secret would not match
    wrong = hmac.new(b"other", timestamp.encode() + b"." + req.body, hashlib.sha256)
    assert req.headers["x-voxloop-signature"] != "sha256=" + wrong.hexdigest()


def test_slack_blocks(world: Any, receiver: Receiver) -> None:
    dest = destination(world.acme, "slack", url=receiver.url("/slack"))
    assert _deliver(world.acme, dest).state == "sent"
    body = receiver.at("/slack")[0].json()
    assert body["text"].startswith(ALERT.title)
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["header", "section", "section", "context"]
    assert body["blocks"][0]["text"]["text"] == ALERT.title
    assert "Severity 7/10" in body["blocks"][1]["text"]["text"]
    assert len(body["blocks"][2]["fields"]) == 2
    assert ALERT.url in body["blocks"][3]["elements"][0]["text"]


def test_wecom_markdown(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/cgi-bin/webhook/send", body={"errcode": 0, "errmsg": "ok"})
    dest = destination(world.acme, "wecom", url=url + "?key=abc")
    assert _deliver(world.acme, dest).state == "sent"
    req = receiver.at("/cgi-bin/webhook/send")[0]
    assert parse_qs(urlsplit(req.path).query) == {"key": ["abc"]}
    body = req.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("### " + ALERT.title)
    assert "**Topic**: Delivery › Late" in content and ALERT.url in content


def test_wecom_error_code_is_a_failure(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/wecom", body={"errcode": 45009, "errmsg": "api freq out of limit"})
    dest = destination(world.acme, "wecom", url=url)
    delivery = _deliver(world.acme, dest)
    assert delivery.state == "failed"
    assert "45009" in delivery.last_error
    dest.refresh_from_db()
    assert dest.is_active  # rate limits heal; only known permanent codes disable


def test_dingtalk_markdown_with_signature(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/robot/send", body={"errcode": 0, "errmsg": "ok"})
    secret = "SEC0123456789abcdef"
    dest = destination(world.acme, "dingtalk", url=url + "?access_token=tok", secret=secret)
    assert _deliver(world.acme, dest).state == "sent"
    req = receiver.at("/robot/send")[0]
    query = parse_qs(urlsplit(req.path).query)
    assert query["access_token"] == ["tok"]
    timestamp = query["timestamp"][0]
    assert timestamp == str(int(NOW.timestamp() * 1000))  # milliseconds
    # DingTalk's documented check: base64(HMAC-SHA256(secret, timestamp + "\n" + secret))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    assert query["sign"] == [base64.b64encode(digest.digest()).decode()]
    body = req.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == ALERT.title
    assert "Severity 7/10" in body["markdown"]["text"]


def test_dingtalk_signature_mismatch_disables(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/ding", body={"errcode": 310000, "errmsg": "sign not match"})
    dest = destination(world.acme, "dingtalk", url=url, secret="SECwrongwrong")
    delivery = _deliver(world.acme, dest)
    assert delivery.state == "dead" and "310000" in delivery.last_error
    dest.refresh_from_db()
    assert not dest.is_active and "sign not match" in dest.disabled_reason


def test_feishu_card_with_signature(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/open-apis/bot/v2/hook/x", body={"code": 0, "msg": "success"})
    secret = "feishu-secret-1"
    dest = destination(world.acme, "feishu", url=url, secret=secret)
    assert _deliver(world.acme, dest).state == "sent"
    body = receiver.at("/open-apis/bot/v2/hook/x")[0].json()
    assert body["timestamp"] == str(int(NOW.timestamp()))  # seconds
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"]["content"] == ALERT.title
    assert card["header"]["template"] == "orange"
    tags = [e["tag"] for e in card["elements"]]
    assert tags == ["div", "div", "action"]
    assert card["elements"][2]["actions"][0]["url"] == ALERT.url


def test_feishu_without_secret_has_no_sign(world: Any, receiver: Receiver) -> None:
    url = receiver.answer("/fs", body={"StatusCode": 0, "StatusMessage": "success"})
    dest = destination(world.acme, "feishu", url=url)
    digest = Message(title="Daily digest", text="Nothing to report.", kind="digest")
    assert _deliver(world.acme, dest, digest).state == "sent"
    body = receiver.at("/fs")[0].json()
    assert "sign" not in body and body["card"]["header"]["template"] == "blue"
