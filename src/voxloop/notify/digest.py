"""Daily and weekly digests: a registry of sections other apps provide, and the message built
from them. A section that fails or has nothing to say is left out; with no sections at all the
digest is still a valid short message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _

from voxloop.accounts.models import Workspace
from voxloop.notify.message import Message

log = logging.getLogger(__name__)

PERIODS = ("daily", "weekly")
DIGEST_HOUR = 8  # local time a workspace's digests go out
WEEKLY_WEEKDAY = 0  # Monday


@dataclass(frozen=True)
class DigestSection:
    title: str
    lines: list[str]
    fields: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


# (workspace_id, period, start, end) -> a section, or None when it has nothing to report
SectionFn = Callable[[int, str, datetime, datetime], DigestSection | None]

# name -> (order, function). Insights registers "kpis", "top_movers", "open_alerts".
DIGEST_SECTIONS: dict[str, tuple[int, SectionFn]] = {}


def register_digest_section(name: str, fn: SectionFn, *, order: int = 100) -> None:
    DIGEST_SECTIONS[name] = (order, fn)


def workspace_tz(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_window(period: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day (or 7 days) that ended at the last local midnight, in UTC."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    local_midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    days = 1 if period == "daily" else 7
    start = (local_midnight - timedelta(days=days)).replace(tzinfo=None)
    # rebuild the start in the zone so a DST change inside the window is counted right
    start_local = start.replace(tzinfo=tz)
    return start_local.astimezone(UTC), local_midnight.astimezone(UTC)


def build_digest(workspace: Workspace, period: str, now: datetime) -> Message:
    tz = workspace_tz(workspace)
    start, end = period_window(period, now, tz)
    label = _("Daily digest") if period == "daily" else _("Weekly digest")
    first = start.astimezone(tz).date()
    last = (end - timedelta(seconds=1)).astimezone(tz).date()
    span = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
    blocks: list[str] = []
    fields: dict[str, str] = {}
    payload: dict[str, Any] = {
        "workspace": workspace.slug,
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sections": {},
    }
    for name, (_order, fn) in sorted(DIGEST_SECTIONS.items(), key=lambda kv: (kv[1][0], kv[0])):
        try:
            section = fn(workspace.pk, period, start, end)
        except Exception:
            log.exception("digest section %s failed for workspace %s", name, workspace.pk)
            continue
        if section is None:
            continue
        blocks.append("\n".join([section.title, *(f"• {line}" for line in section.lines)]))
        fields.update(section.fields)
        payload["sections"][name] = section.payload or {"lines": section.lines}
    if not blocks:
        blocks.append(_("Nothing to report for this period."))
    base = str(getattr(settings, "BASE_URL", "") or "").rstrip("/")
    return Message(
        title=f"{label} · {workspace.name} · {span}",
        text="\n\n".join(blocks),
        url=base + "/" if base else "",
        severity=0,
        kind="digest",
        fields=fields,
        payload=payload,
    )


def digest_key(period: str, end: datetime, tz: ZoneInfo) -> str:
    return f"digest:{period}:{end.astimezone(tz).date().isoformat()}"
