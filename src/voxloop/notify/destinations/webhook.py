"""Generic webhook: a signed JSON POST (format in docs/notify.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from voxloop.notify.destinations.base import (
    Context,
    Outcome,
    check_http_config,
    dumps,
    http_summary,
    post,
    status_outcome,
)
from voxloop.notify.message import Message

SECRET_SHOWN_ONCE = True


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    return check_http_config(data, current, allow_private=allow_private, generate_secret=True)


def summary(config: Mapping[str, Any]) -> str:
    return http_summary(config)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the secret."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body(message: Message, ctx: Context) -> dict[str, Any]:
    return {
        "id": ctx.delivery_id,
        "type": message.kind,
        "title": message.title,
        "text": message.text,
        "url": message.url,
        "severity": message.severity,
        "fields": message.fields,
        "payload": message.payload,
        "sent_at": ctx.now.isoformat(),
    }


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    raw = dumps(body(message, ctx))
    timestamp = str(int(ctx.now.timestamp()))
    headers = {
        "X-VoxLoop-Timestamp": timestamp,
        "X-VoxLoop-Event": message.kind,
        "X-VoxLoop-Delivery": str(ctx.delivery_id),
    }
    if config.get("secret"):
        headers["X-VoxLoop-Signature"] = sign(str(config["secret"]), timestamp, raw)
    resp = post(str(config["url"]), raw, headers, ctx)
    if isinstance(resp, Outcome):
        return resp
    return status_outcome(resp, permanent=(410,))
