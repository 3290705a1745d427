"""Email destinations against a real SMTP server on loopback."""

from __future__ import annotations

import email
from email.message import Message as MimeMessage
from typing import Any

import pytest

from tests.notify.conftest import SmtpHandler, destination
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery
from voxloop.notify.services import do_deliver_due, do_send

pytestmark = pytest.mark.django_db

ALERT = Message(
    title="配送投诉激增 <script>",
    text="Negative feedback on Delivery rose from 12 to 53.\nSee the examples.",
    url="https://voxloop.example.com/insights/alerts/7/",
    severity=9,
    fields={"Topic": "配送 › 延迟"},
)


def _parts(raw: bytes) -> dict[str, str]:
    mime: MimeMessage = email.message_from_bytes(raw)
    out = {"subject": str(email.header.make_header(email.header.decode_header(mime["Subject"])))}
    for part in mime.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    out["x-voxloop-delivery"] = mime["X-VoxLoop-Delivery"]
    return out


def test_email_reaches_a_real_smtp_server(world: Any, smtp: SmtpHandler) -> None:
    dest = destination(world.acme, "email", recipients=["cx@acme.test", "lead@acme.test"])
    [pk] = do_send(world.acme.pk, [dest.pk], ALERT)
    assert do_deliver_due() == 1
    row = Delivery.objects.get(pk=pk)
    assert row.state == "sent", row.last_error
    [envelope] = smtp.messages
    assert sorted(envelope.rcpt_tos) == ["cx@acme.test", "lead@acme.test"]
    parts = _parts(envelope.original_content)
    assert parts["subject"] == "[VoxLoop] 配送投诉激增 <script>"
    assert parts["x-voxloop-delivery"] == str(pk)
    text = parts["text/plain"]
    assert "Severity 9/10" in text and "Topic: 配送 › 延迟" in text and ALERT.url in text
    html = parts["text/html"]
    assert "配送投诉激增 &lt;script&gt;" in html and "<script>" not in html
    assert f'href="{ALERT.url}"' in html


def test_smtp_refusing_the_message_is_stored_and_retried(world: Any, smtp: SmtpHandler) -> None:
    smtp.refuse_data = "554 5.7.1 Message rejected as spam"
    dest = destination(world.acme, "email", recipients=["cx@acme.test"])
    [pk] = do_send(world.acme.pk, [dest.pk], ALERT)
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "failed" and row.next_attempt_at is not None
    assert "554" in row.last_error and "rejected as spam" in row.last_error
    dest.refresh_from_db()
    assert dest.is_active and dest.failure_count == 1


def test_refused_recipient_disables_the_destination(world: Any, smtp: SmtpHandler) -> None:
    smtp.refuse_rcpt = "550 5.1.1 No such user here"
    dest = destination(world.acme, "email", recipients=["nobody@acme.test"])
    [pk] = do_send(world.acme.pk, [dest.pk], ALERT)
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "dead"
    assert "nobody@acme.test: 550" in row.last_error and "No such user" in row.last_error
    dest.refresh_from_db()
    assert not dest.is_active and "No such user" in dest.disabled_reason


def test_unreachable_smtp_server_is_a_retryable_failure(world: Any, settings: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    dest = destination(world.acme, "email", recipients=["cx@acme.test"])
    [pk] = do_send(world.acme.pk, [dest.pk], ALERT)
    do_deliver_due()
    row = Delivery.objects.get(pk=pk)
    assert row.state == "failed" and "ConnectionRefusedError" in row.last_error
