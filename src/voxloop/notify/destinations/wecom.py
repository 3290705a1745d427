"""WeCom (企业微信) group robot: markdown message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
MAX_BYTES = 4096  # WeCom's limit for markdown content (UTF-8 bytes)
# 93000: the webhook key is invalid (robot removed) — retrying cannot help.
PERMANENT_CODES = {93000}


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    config = check_http_config({"url": data.get("url")}, None, allow_private=allow_private)
    return {"url": config["url"]}


def summary(config: Mapping[str, Any]) -> str:
    return http_summary(config)


def _truncate_bytes(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", "ignore") + "…"


def body(message: Message) -> dict[str, Any]:
    content = markdown_body(message)
    return {"msgtype": "markdown", "markdown": {"content": _truncate_bytes(content, MAX_BYTES)}}


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    resp = post(str(config["url"]), dumps(body(message)), {}, ctx)
    if isinstance(resp, Outcome):
        return resp
    return robot_outcome(resp, ("errcode",), ("errmsg",), PERMANENT_CODES)
