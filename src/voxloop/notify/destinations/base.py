"""What every destination kind shares: the send outcome, config checks and HTTP helpers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from voxloop.notify import client
from voxloop.notify.message import Message


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    status_code: int | None = None
    permanent: bool = False  # the destination cannot work as configured: disable it


@dataclass(frozen=True)
class Context:
    delivery_id: int
    now: datetime
    allow_private: bool


def mask(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    if not secret:
        return ""
    return secret[:4] + "…" + _("(hidden)")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_http_config(
    data: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    *,
    allow_private: bool,
    generate_secret: bool = False,
) -> dict[str, Any]:
    """URL and optional signing secret; a blank secret keeps the current one."""
    errors: dict[str, str] = {}
    config: dict[str, Any] = {}
    try:
        config["url"] = client.check_url(str(data.get("url") or ""), allow_private=allow_private)
    except ValueError as exc:
        errors["url"] = str(exc)
    secret = str(data.get("secret") or "").strip()
    if secret:
        if len(secret) < 8 or len(secret) > 200 or any(c.isspace() for c in secret):
            errors["secret"] = _("The secret must be 8 to 200 characters without spaces.")
        config["secret"] = secret
    elif current and current.get("secret"):
        config["secret"] = current["secret"]
    elif generate_secret:
        config["secret"] = new_secret()
    if errors:
        raise ValidationError(errors)
    return config


def http_summary(config: Mapping[str, Any]) -> str:
    url = str(config.get("url", ""))
    shown = url.split("?", 1)[0]
    if len(shown) > 60:
        shown = shown[:57] + "…"
    if config.get("secret"):
        signed = _("signed")
        return f"{shown} · {signed} ({mask(config['secret'])})"
    return shown


def dumps(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post(
    url: str, body: bytes, headers: Mapping[str, str], ctx: Context
) -> client.Response | Outcome:
    """The HTTP answer, or an Outcome when none came (blocked URL, timeout, refused)."""
    try:
        return client.post(url, body, headers, allow_private=ctx.allow_private)
    except client.BlockedURL as exc:
        return Outcome(ok=False, error=str(exc), permanent=True)
    except client.TransportError as exc:
        return Outcome(ok=False, error=str(exc))


def status_outcome(resp: client.Response, permanent: Iterable[int] = (410,)) -> Outcome:
    if 200 <= resp.status < 300:
        return Outcome(ok=True, status_code=resp.status)
    detail = resp.text.strip().replace("\n", " ")[:300]
    return Outcome(
        ok=False,
        status_code=resp.status,
        error=f"HTTP {resp.status}" + (f": {detail}" if detail else ""),
        permanent=resp.status in set(permanent),
    )


def robot_outcome(
    resp: client.Response,
    code_keys: tuple[str, ...],
    msg_keys: tuple[str, ...],
    permanent: set[int],
) -> Outcome:
    """Chat robots answer HTTP 200 with an error code in the JSON body."""
    if not 200 <= resp.status < 300:
        return status_outcome(resp, permanent=(404, 410))
    data = resp.json()
    if not isinstance(data, dict):
        return Outcome(
            ok=False, status_code=resp.status, error=f"unexpected answer: {resp.text[:200]}"
        )
    code = next((data[k] for k in code_keys if k in data), 0)
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = -1
    if code == 0:
        return Outcome(ok=True, status_code=resp.status)
    msg = next((str(data[k]) for k in msg_keys if k in data), "")
    return Outcome(
        ok=False,
        status_code=resp.status,
        error=f"error {code}: {msg}"[:500],
        permanent=code in permanent,
    )


def severity_label(message: Message) -> str:
    if message.kind == "alert" and message.severity:
        return _("Severity %(sev)s/10") % {"sev": message.severity}
    return ""


def markdown_body(message: Message, *, bold: str = "**", heading: bool = True) -> str:
    """A markdown rendering robots understand (title, text, fields, link)."""
    lines: list[str] = []
    if heading:
        lines.append(f"### {message.title}")
    sev = severity_label(message)
    if sev:
        lines.append(f"{bold}{sev}{bold}")
    if message.text:
        lines.append(message.text)
    for label, value in message.fields.items():
        lines.append(f"{bold}{label}{bold}: {value}")
    if message.url:
        link = _("Open in VoxLoop")
        lines.append(f"[{link}]({message.url})")
    return "\n\n".join(lines)
