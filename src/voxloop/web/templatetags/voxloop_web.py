"""Small template helpers of the layout and the inbox."""

from __future__ import annotations

from typing import Any

from django import template

from voxloop.web import labels

register = template.Library()

_MAPS = {
    "sentiment": labels.SENTIMENT,
    "kind": labels.KIND,
    "status": labels.STATUS,
    "urgency": labels.URGENCY,
    "role": labels.ROLE,
    "language": labels.LANGUAGE,
}


@register.filter
def label(value: Any, mapping: str) -> str:
    """{{ item.sentiment|label:"sentiment" }} → the translated display name."""
    return labels.label(_MAPS[mapping], str(value)) if value else ""


@register.filter
def percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""
