"""Emerging issues: suggested themes (feedback no topic covers) that are new or growing fast.

Theme discovery (voxloop.feedback.services.themes) keeps each open suggestion's item counts
for the last 7 days and the 7 days before, its first item and its channels; between runs,
each analysed batch adds its uncovered items to the nearest open suggestion. The
"emerging theme" preset raises one alert per suggestion when it is new (its first item lies
within the rule's window, and it has at least the rule's minimum count) or when its last
week is at least threshold % above the week before; spread across channels raises severity.
Deciding on the suggestion (accept, merge, dismiss) resolves its alert.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from voxloop.accounts.models import Workspace
from voxloop.analysis import metrics
from voxloop.feedback.models import Channel, ThemeSuggestion
from voxloop.insights.models import (
    ACTIVE_STATES,
    Alert,
    AlertRule,
    AlertState,
    Metric,
    Preset,
    Scope,
)
from voxloop.insights.services.detection import Signal

WEEK = timedelta(days=7)
WEEK_HOURS = 168
MAX_THEMES = 100  # open suggestions looked at per run, largest first


def theme_key(suggestion_id: int) -> str:
    return f"{Scope.THEME}:{suggestion_id}:{Metric.EMERGING}:up"


def emerging_severity(recent: int, previous: int, size: int, channels: int) -> int:
    """1-10: a new theme starts at 4; growth adds 2 per doubling; volume and spread add."""
    sev = 2.0 + 2.0 * math.log2(max(recent / previous, 1.0)) if previous > 0 else 4.0
    if recent >= 50 or size >= 100:
        sev += 1
    if channels >= 2:
        sev += 1
    if channels >= 3:
        sev += 1
    return int(min(max(round(sev), 1), 10))


def evaluate(rule: AlertRule, workspace: Workspace, now: datetime) -> list[Signal]:
    """The signals an "emerging theme" rule raises on the workspace's open suggestions."""
    new_since = now - timedelta(hours=rule.window_hours)
    factor = 1.0 + rule.threshold / 100.0
    suggestions = list(
        ThemeSuggestion.objects.filter(
            workspace=workspace, status=ThemeSuggestion.State.OPEN
        ).order_by("-size", "-id")[:MAX_THEMES]
    )
    if not suggestions:
        return []
    names = dict(Channel.objects.filter(workspace=workspace).values_list("id", "name"))
    out = []
    for s in suggestions:
        recent, previous = s.recent_count, s.previous_count
        is_new = s.first_seen >= new_since and s.size >= rule.min_count
        growing = recent >= rule.min_count and recent > previous and recent >= previous * factor
        if not (is_new or growing):
            continue
        channels = [names[c] for c in s.channels if c in names]
        out.append(
            Signal(
                key=theme_key(s.pk),
                rule=rule,
                metric=Metric.EMERGING,
                scope=Scope.THEME,
                scope_value=str(s.pk),
                scope_label=s.label[:120],
                direction="up",
                observed=float(recent),
                expected=float(previous),
                ratio=recent / previous if previous else None,
                p_value=metrics.compare_volumes(recent, previous).p_value,
                severity=emerging_severity(recent, previous, s.size, len(channels)),
                started_at=s.first_seen if is_new else max(s.first_seen, now - WEEK),
                window_hours=WEEK_HOURS,
                channels=channels,
            )
        )
    return out


def evidence(workspace: Workspace, suggestion_id: int) -> list[int]:
    row = (
        ThemeSuggestion.objects.filter(workspace=workspace, pk=suggestion_id)
        .values_list("representatives", flat=True)
        .first()
    )
    return [int(i) for i in row or []]


def title(scope_label: str, observed: float, expected: float) -> str:
    return _(
        "New or growing theme “%(where)s”: %(observed)d items in 7 days vs %(expected)d "
        "the week before"
    ) % {"where": scope_label, "observed": observed, "expected": expected}


def check_rule_fields(data: dict[str, Any], err: Any) -> None:
    """Themes are watched only by their preset, which watches every suggestion."""
    if data.get("preset") == Preset.EMERGING_THEME:
        if str(data.get("scope_value") or "").strip():
            err("scope_value", _("Leave this empty: the rule watches every suggested theme."))
        return
    if data.get("scope") == Scope.THEME:
        err("scope", _("Only the emerging theme preset watches suggested themes."))
    if data.get("metric") == Metric.EMERGING:
        err("metric", _("Only the emerging theme preset watches suggested themes."))


def resolve_theme_alerts(
    workspace_id: int, suggestion_id: int, resolution: str, now: datetime
) -> int:
    """Resolve the suggestion's alert once people decided on it (accepted, merged, dismissed)."""
    return Alert.objects.filter(
        workspace_id=workspace_id, key=theme_key(suggestion_id), state__in=ACTIVE_STATES
    ).update(state=AlertState.RESOLVED, resolved_at=now, resolution=resolution[:20], updated_at=now)
