"""Feishu (飞书) custom bot: interactive card, with the optional signature mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from voxloop.notify.destinations.base import (
    Context,
    Outcome,
    check_http_config,
    dumps,
    http_summary,
    post,
    robot_outcome,
    severity_label,
)
from voxloop.notify.message import Message

SECRET_SHOWN_ONCE = False
# 19001 invalid hook token, 19021 signature mismatch, 19022 IP not allowed, 19024 keyword missing.
PERMANENT_CODES = {19001, 19021, 19022, 19024}


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    return check_http_config(data, current, allow_private=allow_private)


def summary(config: Mapping[str, Any]) -> str:
    return http_summary(config)


def sign(secret: str, timestamp: str) -> str:
    """Feishu's scheme: base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=empty))."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _template(message: Message) -> str:
    if message.kind != "alert":
        return "blue"
    if message.severity >= 8:
        return "red"
    return "orange" if message.severity >= 5 else "yellow"


def body(message: Message) -> dict[str, Any]:
    lines = [x for x in (severity_label(message) and f"**{severity_label(message)}**",) if x]
    if message.text:
        lines.append(message.text)
    elements: list[dict[str, Any]] = [
        {"tag": "div", "text": {"tag": "lark_md", "content": "\n".join(lines)}}
    ]
    if message.fields:
        elements.append(
            {
                "tag": "div",
                "fields": [
                    {"is_short": True, "text": {"tag": "lark_md", "content": f"**{k}**\n{v}"}}
                    for k, v in message.fields.items()
                ],
            }
        )
    if message.url:
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": _("Open in VoxLoop")},
                        "type": "primary",
                        "url": message.url,
                    }
                ],
            }
        )
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": message.title},
                "template": _template(message),
            },
            "elements": elements,
        },
    }


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    payload = body(message)
    if config.get("secret"):
        timestamp = str(int(ctx.now.timestamp()))
        payload = {
            "timestamp": timestamp,
            "sign": sign(str(config["secret"]), timestamp),
            **payload,
        }
    resp = post(str(config["url"]), dumps(payload), {}, ctx)
    if isinstance(resp, Outcome):
        return resp
    return robot_outcome(resp, ("code", "StatusCode"), ("msg", "StatusMessage"), PERMANENT_CODES)
