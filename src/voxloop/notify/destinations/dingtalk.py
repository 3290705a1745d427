"""DingTalk (钉钉) custom robot: markdown message, with the optional signed-secret mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from voxloop.notify.destinations.base import (
    Context,
    Outcome,
    check_http_config,
    dumps,
    http_summary,
    markdown_body,
    post,
    robot_outcome,
)
from voxloop.notify.message import Message

SECRET_SHOWN_ONCE = False
# 300001: access token does not exist; 310000: signature, keyword or IP allow-list mismatch.
# Both are configuration problems that no retry fixes.
PERMANENT_CODES = {300001, 310000}


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    return check_http_config(data, current, allow_private=allow_private)


def summary(config: Mapping[str, Any]) -> str:
    return http_summary(config)


def sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's scheme: base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret))."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={quote_plus(sign(secret, timestamp_ms))}"


def body(message: Message) -> dict[str, Any]:
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:100], "text": markdown_body(message)},
    }


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    url = str(config["url"])
    if config.get("secret"):
        url = signed_url(url, str(config["secret"]), str(int(ctx.now.timestamp() * 1000)))
    resp = post(url, dumps(body(message)), {}, ctx)
    if isinstance(resp, Outcome):
        return resp
    return robot_outcome(resp, ("errcode",), ("errmsg",), PERMANENT_CODES)
