"""Email through Django's mail (VOXLOOP_SMTP_*): plain text with a simple HTML part."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from voxloop.notify.destinations.base import Context, Outcome, severity_label
from voxloop.notify.message import Message

SECRET_SHOWN_ONCE = False
MAX_RECIPIENTS = 50


def parse_recipients(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,;\s]+", str(value or ""))
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item.lower(), None)
    return list(seen)


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    recipients = parse_recipients(data.get("recipients"))
    if not recipients:
        raise ValidationError({"recipients": _("Enter at least one email address.")})
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError(
            {"recipients": _("At most %(n)d recipients.") % {"n": MAX_RECIPIENTS}}
        )
    bad = []
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            {"recipients": _("Not valid email addresses: %(list)s") % {"list": ", ".join(bad)}}
        )
    return {"recipients": recipients}


def summary(config: Mapping[str, Any]) -> str:
    recipients = list(config.get("recipients", []))
    shown = ", ".join(recipients[:3])
    return shown + (f" +{len(recipients) - 3}" if len(recipients) > 3 else "")


def build(config: Mapping[str, Any], message: Message, ctx: Context) -> EmailMultiAlternatives:
    subject = " ".join(f"[VoxLoop] {message.title}".split())[:250]
    context = {"message": message, "severity": severity_label(message)}
    mail = EmailMultiAlternatives(
        subject,
        render_to_string("notify/email.txt", context),
        to=list(config.get("recipients", [])),
        headers={"X-VoxLoop-Delivery": str(ctx.delivery_id), "X-VoxLoop-Event": message.kind},
    )
    mail.attach_alternative(render_to_string("notify/email.html", context), "text/html")
    return mail


def _smtp_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    mail = build(config, message, ctx)
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(
            f"{addr}: {code} {_smtp_text(text)}" for addr, (code, text) in exc.recipients.items()
        )
        permanent = all(code >= 500 for code, _text in exc.recipients.values())
        return Outcome(ok=False, error=f"recipients refused: {refused}"[:1000], permanent=permanent)
    except smtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.smtp_code}: {_smtp_text(exc.smtp_error)}"
        return Outcome(ok=False, error=error[:1000])
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:1000])
    return Outcome(ok=True)
