"""Slack incoming webhook: Block Kit message with a plain-text fallback."""

from __future__ import annotations

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
    severity_label,
    status_outcome,
)
from voxloop.notify.message import Message

SECRET_SHOWN_ONCE = False
MAX_FIELDS = 10  # Slack's limit per section
MAX_TEXT = 2900  # under Slack's 3000-character limit for a text object


def check_config(
    data: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private: bool
) -> dict[str, Any]:
    config = check_http_config({"url": data.get("url")}, None, allow_private=allow_private)
    return {"url": config["url"]}


def summary(config: Mapping[str, Any]) -> str:
    return http_summary(config)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body(message: Message) -> dict[str, Any]:
    sev = severity_label(message)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
    ]
    text = _escape(message.text)
    if sev:
        text = f"*{sev}*\n{text}"
    if text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}})
    if message.fields:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_escape(k)}*\n{_escape(v)}"[:2000]}
                    for k, v in list(message.fields.items())[:MAX_FIELDS]
                ],
            }
        )
    if message.url:
        link = _escape(_("Open in VoxLoop"))
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{message.url}|{link}>"}],
            }
        )
    fallback = message.title + (f" — {sev}" if sev else "")
    return {"text": fallback, "blocks": blocks}


def send(config: Mapping[str, Any], message: Message, ctx: Context) -> Outcome:
    resp = post(str(config["url"]), dumps(body(message)), {}, ctx)
    if isinstance(resp, Outcome):
        return resp
    # 403 invalid token / 404 no such hook / 410 archived channel will not heal by retrying
    return status_outcome(resp, permanent=(403, 404, 410))
