"""Alert rules and the alert lifecycle: detection runs, open/update/resolve, notifications."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Workspace
from voxloop.feedback.models import Channel, FeedbackItem, FeedbackTopic, ThemeSuggestion, Topic
from voxloop.feedback.selectors import topic_with_descendants
from voxloop.insights import permissions
from voxloop.insights.models import (
    ACTIVE_STATES,
    Alert,
    AlertRule,
    AlertState,
    Method,
    Metric,
    Preset,
    Scope,
)
from voxloop.insights.services import detection, emerging
from voxloop.insights.services.rollups import COUNTED

log = logging.getLogger(__name__)

ESCALATE_BY = 2  # notify again when severity grew this much since the last notice
RECOVERED_AFTER = timedelta(hours=1)  # not seen this long: resolved as recovered
EVIDENCE = 5

RULE_FIELDS = (
    "name",
    "enabled",
    "preset",
    "scope",
    "scope_value",
    "metric",
    "method",
    "sensitivity",
    "threshold",
    "window_hours",
    "min_count",
    "cooldown_minutes",
    "destinations",
)

# Preset -> the fields it fixes (the rest stay tunable: threshold, window, scope value …).
PRESETS: dict[str, dict[str, Any]] = {
    Preset.NEGATIVE_SPIKE: {
        "scope": Scope.TOPIC,
        "metric": Metric.NEGATIVE,
        "method": Method.THRESHOLD,
    },
    Preset.COMPLAINTS_WOW: {"metric": Metric.COMPLAINTS, "method": Method.THRESHOLD},
    Preset.NPS_DROP: {"metric": Metric.NPS, "method": Method.THRESHOLD},
    Preset.MULTI_CHANNEL: {
        "scope": Scope.TOPIC,
        "metric": Metric.NEGATIVE,
        "method": Method.THRESHOLD,
    },
    Preset.EMERGING_THEME: {
        "scope": Scope.THEME,
        "metric": Metric.EMERGING,
        "method": Method.THRESHOLD,
    },
}


def default_rules() -> list[dict[str, Any]]:
    return [
        {
            "name": _("Unusual negative feedback on a topic"),
            "preset": Preset.CUSTOM,
            "scope": Scope.TOPIC,
            "metric": Metric.NEGATIVE,
            "method": Method.STATISTICAL,
            "sensitivity": 7,
            "window_hours": 24,
            "min_count": 5,
        },
        {
            "name": _("Negative feedback on a topic up ≥ %(pct)s in 24 h") % {"pct": "300 %"},
            "preset": Preset.NEGATIVE_SPIKE,
            "threshold": 300.0,
            "window_hours": 24,
            "min_count": 10,
        },
        {
            "name": _("Complaints up ≥ %(pct)s week over week") % {"pct": "15 %"},
            "preset": Preset.COMPLAINTS_WOW,
            "scope": Scope.ALL,
            "threshold": 15.0,
            "window_hours": 168,
            "min_count": 30,
        },
        {
            "name": _("NPS down ≥ 10 points week over week"),
            "preset": Preset.NPS_DROP,
            "scope": Scope.ALL,
            "threshold": 10.0,
            "window_hours": 168,
            "min_count": 30,
        },
        {
            "name": _("A topic appears in ≥ 2 channels within 24 h"),
            "preset": Preset.MULTI_CHANNEL,
            "threshold": 2.0,
            "window_hours": 24,
            "min_count": 5,
        },
        {  # window: how recent a theme's first item is for it to count as new
            "name": _("A new theme appears, or grows ≥ %(pct)s week over week") % {"pct": "100 %"},
            "preset": Preset.EMERGING_THEME,
            "threshold": 100.0,
            "window_hours": 48,
            "min_count": 10,
        },
    ]


# -- rules --------------------------------------------------------------------------------------


def check_rule(workspace: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """Validate rule fields (after the preset fixes its own); errors name the field."""
    data = {**data, **PRESETS.get(data.get("preset") or Preset.CUSTOM, {})}
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not str(data.get("name") or "").strip():
        err("name", _("Give the rule a name."))
    choices = {
        "preset": Preset.values,
        "scope": Scope.values,
        "metric": Metric.values,
        "method": Method.values,
    }
    for name, allowed in choices.items():
        if data.get(name) not in allowed:
            err(name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
    numbers = {
        "sensitivity": (1, 10),
        "window_hours": (1, 24 * 14),
        "min_count": (1, 1_000_000),
        "cooldown_minutes": (0, 60 * 24 * 30),
    }
    for name, (lo, hi) in numbers.items():
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            err(name, _("Enter a whole number from %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi})
    threshold = data.get("threshold")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        err("threshold", _("Enter a number."))
    elif data.get("method") == Method.THRESHOLD or data.get("preset") != Preset.CUSTOM:
        presets: dict[str, tuple[int, int, Any]] = {
            Preset.MULTI_CHANNEL: (2, 50, _("channels")),
            Preset.NPS_DROP: (1, 200, _("NPS points")),
        }
        limits = presets.get(str(data.get("preset")))
        if data.get("metric") == Metric.NEGATIVE_SHARE and limits is None:
            limits = (1, 100, _("percentage points"))
        if limits is None:
            limits = (1, 100_000, _("percent"))
        lo, hi, unit = limits
        if not lo <= float(threshold) <= hi:
            err(
                "threshold",
                _("The threshold must be between %(lo)s and %(hi)s %(unit)s.")
                % {"lo": lo, "hi": hi, "unit": unit},
            )
    if data.get("preset") == Preset.MULTI_CHANNEL and data.get("scope") != Scope.TOPIC:
        err("scope", _("This preset watches topics."))
    emerging.check_rule_fields(data, err)
    _check_scope_value(workspace, data, err)
    _check_destinations(workspace, data, err)
    if errors:
        raise ValidationError(errors)
    data["name"] = str(data["name"]).strip()
    data["scope_value"] = str(data.get("scope_value") or "").strip()
    return {k: data[k] for k in RULE_FIELDS if k in data}


def _check_scope_value(workspace: Workspace, data: dict[str, Any], err: Any) -> None:
    value = str(data.get("scope_value") or "").strip()
    scope = data.get("scope")
    if not value:
        return
    if scope == Scope.ALL:
        err("scope_value", _("Leave this empty when the rule watches all feedback."))
    elif scope == Scope.TOPIC and not (
        value.isdigit() and Topic.objects.filter(workspace=workspace, pk=int(value)).exists()
    ):
        err("scope_value", _("No such topic in this workspace."))
    elif (
        scope == Scope.CHANNEL
        and not Channel.objects.filter(workspace=workspace, slug=value).exists()
    ):
        err("scope_value", _("No channel with this slug in this workspace."))


def _check_destinations(workspace: Workspace, data: dict[str, Any], err: Any) -> None:
    dest = data.get("destinations") or []
    if not isinstance(dest, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in dest
    ):
        err("destinations", _("Give a list of destination ids."))
        return
    data["destinations"] = sorted(set(dest))
    if not dest:
        return
    try:
        from voxloop.notify.models import Destination
    except ImportError:
        err("destinations", _("Notifications are not available in this installation."))
        return
    known = set(
        Destination.objects.filter(workspace=workspace, pk__in=dest).values_list("id", flat=True)
    )
    missing = sorted(set(dest) - known)
    if missing:
        err(
            "destinations",
            _("Unknown destination ids: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
        )


def do_create_rule(actor: Actor, data: dict[str, Any]) -> AlertRule:
    actor.require(permissions.MANAGE_RULES)
    clean = check_rule(actor.workspace, data)
    return AlertRule.objects.create(workspace=actor.workspace, created_by=actor.user, **clean)


def do_update_rule(actor: Actor, rule_id: int, data: dict[str, Any]) -> AlertRule:
    actor.require(permissions.MANAGE_RULES)
    rule = AlertRule.objects.get(workspace=actor.workspace, pk=rule_id)
    clean = check_rule(actor.workspace, data)
    for name, value in clean.items():
        setattr(rule, name, value)
    rule.updated_at = timezone.now()
    rule.save(update_fields=[*clean, "updated_at"])
    return rule


def do_delete_rule(actor: Actor, rule_id: int) -> None:
    actor.require(permissions.MANAGE_RULES)
    AlertRule.objects.filter(workspace=actor.workspace, pk=rule_id).delete()


def do_install_default_rules(workspace_id: int) -> int:
    """Give a workspace that never had rules the default set (no recipients yet)."""
    with transaction.atomic():
        Workspace.objects.select_for_update().get(pk=workspace_id)
        if AlertRule.objects.filter(workspace_id=workspace_id).exists():
            return 0
        ws = Workspace.objects.get(pk=workspace_id)
        rules = [AlertRule(workspace=ws, **check_rule(ws, d)) for d in _with_defaults()]
        AlertRule.objects.bulk_create(rules)
        return len(rules)


def _with_defaults() -> Iterable[dict[str, Any]]:
    base = {
        f.name: f.get_default() for f in AlertRule._meta.concrete_fields if f.name in RULE_FIELDS
    }
    for d in default_rules():
        yield {**base, **d}


# -- detection ------------------------------------------------------------------------------


def do_detect(workspace_id: int | None = None, now: datetime | None = None) -> list[int]:
    """Evaluate every enabled rule on the rollups; open, update or resolve alerts.

    Returns the ids of alerts opened or updated in this run.
    """
    now = now or timezone.now()
    if workspace_id is None:
        ids = list(Workspace.objects.values_list("id", flat=True))
    else:
        ids = [workspace_id]
    detect = detection.load_detector()
    touched: list[int] = []
    for ws_id in ids:
        try:
            touched += _detect_workspace(ws_id, now, detect)
        except Exception:  # one workspace's trouble never stops the others
            log.exception("detection failed for workspace %s", ws_id)
    return touched


def _detect_workspace(workspace_id: int, now: datetime, detect: Any) -> list[int]:
    if not AlertRule.objects.filter(workspace_id=workspace_id).exists():
        do_install_default_rules(workspace_id)
    rules = list(AlertRule.objects.filter(workspace_id=workspace_id, enabled=True).order_by("id"))
    if not rules:
        return []
    workspace = Workspace.objects.get(pk=workspace_id)
    spread = max((r.window_hours for r in rules if r.preset == Preset.MULTI_CHANNEL), default=24)
    scopes = frozenset(str(r.scope) for r in rules)
    snap = detection.load_snapshot(workspace, now, spread_hours=spread, scopes=scopes)
    signals: dict[str, detection.Signal] = {}
    for rule in rules:
        found = (
            emerging.evaluate(rule, workspace, now)
            if rule.preset == Preset.EMERGING_THEME
            else detection.evaluate(rule, snap, detect)
        )
        for sig in found:
            best = signals.get(sig.key)
            if best is None or sig.severity > best.severity:
                signals[sig.key] = sig
    signals = _most_specific(workspace_id, signals)
    touched = []
    with transaction.atomic():
        for sig in signals.values():
            alert_id = _upsert(workspace, sig, snap, now)
            if alert_id is not None:
                touched.append(alert_id)
        _resolve_recovered(workspace_id, set(signals), now)
    return touched


EXPLAINED = 0.8  # a subtopic with this share of its parent's excess is the same issue


def _most_specific(
    workspace_id: int, signals: dict[str, detection.Signal]
) -> dict[str, detection.Signal]:
    """Drop a parent topic's signal when one of its subtopics fires for the same reason.

    A burst on "Late delivery" also lifts "Delivery"; one alert, on the more specific topic,
    is what a person can act on.
    """
    topic_signals = [s for s in signals.values() if s.scope == Scope.TOPIC]
    if len(topic_signals) < 2:
        return signals
    parents = dict(Topic.objects.filter(workspace_id=workspace_id).values_list("id", "parent_id"))

    def ancestors(topic_id: int) -> set[int]:
        out, cur = set(), parents.get(topic_id)
        while cur is not None and cur not in out:
            out.add(cur)
            cur = parents.get(cur)
        return out

    drop = set()
    for child in topic_signals:
        family = child.key.split(":", 2)[2]
        for parent_id in ancestors(int(child.scope_value)):
            parent = signals.get(f"{Scope.TOPIC}:{parent_id}:{family}")
            if parent is not None and child.observed >= EXPLAINED * parent.observed:
                drop.add(parent.key)
    return {k: v for k, v in signals.items() if k not in drop}


def _inbox_url(sig: detection.Signal, snap: detection.Snapshot) -> str:
    params: dict[str, str] = {}
    if sig.scope == Scope.THEME:
        return f"{reverse('web:inbox')}?{urlencode({'theme': sig.scope_value})}"
    if sig.scope == Scope.TOPIC:
        params["topic"] = sig.scope_value
    elif sig.scope == Scope.CHANNEL:
        params["channel"] = snap.channel_slugs.get(int(sig.scope_value), "")
    if sig.metric in (Metric.NEGATIVE, Metric.NEGATIVE_SHARE, Metric.NPS):
        params["sentiment"] = "negative"
    elif sig.metric == Metric.COMPLAINTS:
        params["kind"] = "complaint"
    params["since"] = sig.started_at.date().isoformat()
    return f"{reverse('web:inbox')}?{urlencode(params)}"


def _evidence(workspace: Workspace, sig: detection.Signal) -> list[int]:
    if sig.scope == Scope.THEME:
        return emerging.evidence(workspace, int(sig.scope_value))[:EVIDENCE]
    qs = FeedbackItem.objects.filter(
        workspace=workspace, occurred_at__gte=sig.started_at, status__in=COUNTED
    )
    if sig.scope == Scope.TOPIC:
        qs = qs.filter(
            pk__in=FeedbackTopic.objects.filter(
                topic_id__in=topic_with_descendants(workspace, int(sig.scope_value))
            ).values("item_id")
        )
    elif sig.scope == Scope.CHANNEL:
        qs = qs.filter(channel_id=int(sig.scope_value))
    elif sig.scope == Scope.SEGMENT:
        qs = qs.filter(customer__segment=sig.scope_value)
    if sig.metric in (Metric.NEGATIVE, Metric.NEGATIVE_SHARE, Metric.NPS):
        qs = qs.filter(sentiment="negative")
    elif sig.metric == Metric.COMPLAINTS:
        qs = qs.filter(kind="complaint")
    return list(qs.order_by("-occurred_at").values_list("id", flat=True)[:EVIDENCE])


def title_for(
    metric: str,
    scope_label: str,
    direction: str,
    observed: float,
    expected: float,
    window_hours: int,
) -> str:
    if metric == Metric.EMERGING:
        return emerging.title(scope_label, observed, expected)
    names: dict[str, str] = {
        Metric.VOLUME: _("Feedback volume"),
        Metric.NEGATIVE: _("Negative feedback"),
        Metric.NEGATIVE_SHARE: _("Negative share"),
        Metric.COMPLAINTS: _("Complaints"),
        Metric.NPS: _("NPS"),
    }
    what = names.get(metric, metric)
    verb = _("up") if direction == "up" else _("down")
    return _(
        "%(what)s %(verb)s on “%(where)s”: %(observed)s vs %(expected)s expected (%(hours)s h)"
    ) % {
        "what": what,
        "verb": verb,
        "where": scope_label,
        "observed": _fmt(observed),
        "expected": _fmt(expected),
        "hours": window_hours,
    }


def localize_titles(alerts: Iterable[Alert]) -> None:
    """Rebuild each alert's title in the active language (stored titles are in the server's).

    Topic and theme names follow the language too; one query for all topics and one for all
    themes. An alert stored before its window was kept keeps its stored title.
    """
    rows = [a for a in alerts if a.window_hours]
    topic_ids = {
        int(a.scope_value) for a in rows if a.scope == Scope.TOPIC and a.scope_value.isdigit()
    }
    theme_ids = {
        int(a.scope_value) for a in rows if a.scope == Scope.THEME and a.scope_value.isdigit()
    }
    language = get_language() or "en"
    workspaces = {a.workspace_id for a in rows}
    topics = {
        t.pk: t.name_for(language)
        for t in Topic.objects.filter(workspace_id__in=workspaces, pk__in=topic_ids).only(
            "id", "name_en", "name_zh"
        )
    }
    themes = {
        t.pk: t.display_label
        for t in ThemeSuggestion.objects.filter(
            workspace_id__in=workspaces, pk__in=theme_ids
        ).defer("centroid")
    }
    for alert in alerts:
        if not alert.window_hours:
            alert.__dict__["shown_title"] = alert.title
            continue
        where = alert.scope_label
        if alert.scope == Scope.ALL:
            where = _("All feedback")
        elif alert.scope == Scope.SEGMENT and not alert.scope_value:
            where = _("No segment")
        elif alert.scope == Scope.TOPIC and alert.scope_value.isdigit():
            where = topics.get(int(alert.scope_value), where)
        elif alert.scope == Scope.THEME and alert.scope_value.isdigit():
            where = themes.get(int(alert.scope_value), where)
        alert.__dict__["shown_title"] = title_for(
            alert.metric, where, alert.direction, alert.observed, alert.expected, alert.window_hours
        )


def _fmt(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 or abs(x) >= 100 else f"{x:.1f}"


def _upsert(
    workspace: Workspace, sig: detection.Signal, snap: detection.Snapshot, now: datetime
) -> int | None:
    active = (
        Alert.objects.select_for_update()
        .filter(workspace=workspace, key=sig.key, state__in=ACTIVE_STATES)
        .first()
    )
    title = title_for(
        sig.metric, sig.scope_label, sig.direction, sig.observed, sig.expected, sig.window_hours
    )
    fields = {
        "severity": sig.severity,
        "metric": sig.metric,
        "scope": sig.scope,
        "scope_value": sig.scope_value,
        "scope_label": sig.scope_label,
        "direction": sig.direction,
        "title": title,
        "window_hours": sig.window_hours,
        "observed": sig.observed,
        "expected": sig.expected,
        "ratio": sig.ratio,
        "p_value": sig.p_value,
        "channels": sig.channels,
        "evidence": _evidence(workspace, sig),
        "inbox_url": _inbox_url(sig, snap),
        "last_seen_at": now,
        "updated_at": now,
    }
    if active is None:
        cooldown = timedelta(minutes=sig.rule.cooldown_minutes)
        recent = Alert.objects.filter(
            workspace=workspace,
            key=sig.key,
            state=AlertState.RESOLVED,
            resolved_at__gt=now - cooldown,
        ).exists()
        if recent:
            return None
        try:
            with transaction.atomic():  # another worker may open the same issue right now
                alert = Alert.objects.create(
                    workspace=workspace,
                    rule=sig.rule,
                    key=sig.key,
                    state=AlertState.OPEN,
                    started_at=sig.started_at,
                    opened_at=now,
                    peak_severity=sig.severity,
                    notified_severity=0,
                    **fields,
                )
        except IntegrityError:
            return None
        _notify_later(alert, now)
        return alert.pk
    for name, value in fields.items():
        setattr(active, name, value)
    active.started_at = min(active.started_at, sig.started_at)
    active.peak_severity = max(active.peak_severity, sig.severity)
    update = [*fields, "started_at", "peak_severity"]
    if active.state == AlertState.MUTED and active.muted_until and active.muted_until <= now:
        active.state, active.muted_until = AlertState.OPEN, None
        update += ["state", "muted_until"]
    active.save(update_fields=update)
    if active.severity >= active.notified_severity + ESCALATE_BY:
        _notify_later(active, now)
    return active.pk


def _resolve_recovered(workspace_id: int, firing: set[str], now: datetime) -> None:
    stale = Alert.objects.filter(
        workspace_id=workspace_id,
        state__in=ACTIVE_STATES,
        last_seen_at__lt=now - RECOVERED_AFTER,
    ).exclude(key__in=firing)
    stale.update(state=AlertState.RESOLVED, resolved_at=now, resolution="recovered", updated_at=now)


# -- notification -------------------------------------------------------------------------------


def _notify_later(alert: Alert, now: datetime) -> None:
    """Send after commit when the alert is not muted and its rule has recipients."""
    if alert.state == AlertState.MUTED and alert.muted_until and alert.muted_until > now:
        return
    rule = alert.rule
    if rule is None or not rule.destinations:
        return
    Alert.objects.filter(pk=alert.pk).update(notified_severity=alert.severity)
    alert.notified_severity = alert.severity
    alert_id, severity = alert.pk, alert.severity
    transaction.on_commit(lambda: send_alert(alert_id, severity))


def alert_message_fields(alert: Alert) -> dict[str, str]:
    return {
        _("Where"): alert.scope_label,
        _("Observed"): _fmt(alert.observed),
        _("Expected"): _fmt(alert.expected),
        _("Since"): alert.started_at.isoformat(timespec="minutes"),
        _("Severity"): f"{alert.severity}/10",
        _("Channels"): ", ".join(alert.channels) or "—",
    }


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "key": alert.key,
        "state": alert.state,
        "severity": alert.severity,
        "metric": alert.metric,
        "scope": alert.scope,
        "scope_value": alert.scope_value,
        "scope_label": alert.scope_label,
        "direction": alert.direction,
        "title": alert.title,
        "observed": alert.observed,
        "expected": alert.expected,
        "ratio": alert.ratio,
        "p_value": alert.p_value,
        "channels": alert.channels,
        "evidence": alert.evidence,
        "inbox_url": alert.inbox_url,
        "started_at": alert.started_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "opened_at": alert.opened_at.isoformat(),
    }


def send_alert(alert_id: int, severity: int) -> list[int]:
    """Hand the alert to notify; returns the delivery ids (none when notify is missing)."""
    alert = Alert.objects.select_related("rule").filter(pk=alert_id).first()
    if alert is None or alert.rule is None:
        return []
    try:
        from voxloop.notify.message import Message
        from voxloop.notify.services import do_send
    except ImportError:
        log.warning("alert %s not sent: the notify app is not available", alert_id)
        return []
    base = settings.BASE_URL.rstrip("/")
    message = Message(
        title=alert.title,
        text=_("Severity %(sev)s/10. Open the feedback: %(url)s")
        % {"sev": alert.severity, "url": base + alert.inbox_url},
        url=base + reverse("insights:alert", args=[alert.pk]),
        severity=alert.severity,
        kind="alert",
        fields=alert_message_fields(alert),
        payload=alert_payload(alert),
    )
    try:
        return list(
            do_send(
                alert.workspace_id,
                list(alert.rule.destinations),
                message,
                dedupe_key=f"alert:{alert.pk}:{severity}",
            )
        )
    except Exception:  # delivery problems are notify's to record; detection carries on
        log.exception("alert %s could not be handed to notify", alert_id)
        return []


# -- lifecycle ----------------------------------------------------------------------------------


def access_alert(actor: Actor, alert_id: int) -> Alert:
    actor.require("feedback.view")
    return Alert.objects.select_related("rule").get(workspace=actor.workspace, pk=alert_id)


def access_rule(actor: Actor, rule_id: int) -> AlertRule:
    actor.require("feedback.view")
    return AlertRule.objects.get(workspace=actor.workspace, pk=rule_id)


def do_acknowledge_alert(actor: Actor, alert_id: int) -> Alert:
    actor.require(permissions.HANDLE_ALERTS)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(workspace=actor.workspace, pk=alert_id)
        if alert.state == AlertState.RESOLVED:
            raise ValidationError({"state": _("This alert is already resolved.")})
        now = timezone.now()
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at, alert.acknowledged_by = now, actor.user
        alert.muted_until, alert.updated_at = None, now
        alert.save(
            update_fields=[
                "state",
                "acknowledged_at",
                "acknowledged_by",
                "muted_until",
                "updated_at",
            ]
        )
    return alert


def do_resolve_alert(actor: Actor, alert_id: int) -> Alert:
    actor.require(permissions.HANDLE_ALERTS)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(workspace=actor.workspace, pk=alert_id)
        if alert.state != AlertState.RESOLVED:
            now = timezone.now()
            alert.state, alert.resolved_at, alert.resolution = AlertState.RESOLVED, now, "manual"
            alert.updated_at = now
            alert.save(update_fields=["state", "resolved_at", "resolution", "updated_at"])
    return alert


def do_mute_alert(actor: Actor, alert_id: int, hours: int) -> Alert:
    actor.require(permissions.HANDLE_ALERTS)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 30:
        raise ValidationError({"hours": _("Mute for 1 to 720 hours.")})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(workspace=actor.workspace, pk=alert_id)
        if alert.state == AlertState.RESOLVED:
            raise ValidationError({"state": _("This alert is already resolved.")})
        now = timezone.now()
        alert.state, alert.muted_until = AlertState.MUTED, now + timedelta(hours=hours)
        alert.updated_at = now
        alert.save(update_fields=["state", "muted_until", "updated_at"])
    return alert
