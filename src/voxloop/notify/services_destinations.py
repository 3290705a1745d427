"""Managing destinations: check, create, change, enable, test-send, retry a delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from voxloop.accounts.actors import Actor
from voxloop.accounts.services import do_audit
from voxloop.notify import client
from voxloop.notify.destinations import KINDS, module_for
from voxloop.notify.destinations.base import new_secret
from voxloop.notify.message import Message
from voxloop.notify.models import Delivery, DeliveryState, Destination
from voxloop.notify.permissions import MANAGE
from voxloop.notify.selectors import access_delivery, access_destination
from voxloop.notify.services import do_deliver_ids, do_send, enqueue_deliveries
from voxloop.notify.timezones import known_timezones

# -- destinations -------------------------------------------------------------------------------


def _parse_time(value: Any) -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        hours, minutes = str(value).strip().split(":")[:2]
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ValueError(value) from None


def check_destination(
    workspace_id: int,
    data: Mapping[str, Any],
    *,
    current: Destination | None = None,
    allow_private: bool | None = None,
) -> dict[str, Any]:
    """Validate a destination's fields; ValidationError names every bad field."""
    if allow_private is None:
        allow_private = client.allow_private_default()
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    name = " ".join(str(data.get("name") or "").split())
    if not name:
        err("name", _("Give the destination a name."))
    elif len(name) > 120:
        err("name", _("Use at most 120 characters."))
    else:
        clash = Destination.objects.filter(workspace_id=workspace_id, name__iexact=name)
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            err("name", _("Another destination already has this name."))
    kind = str(data.get("kind") or "")
    config: dict[str, Any] = {}
    if kind not in KINDS:
        err("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)})
    else:
        same_kind = current is not None and current.kind == kind
        try:
            config = module_for(kind).check_config(
                data, current.config if same_kind and current else None, allow_private=allow_private
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    err(field, message)
    quiet: dict[str, time | None] = {}
    for field in ("quiet_start", "quiet_end"):
        try:
            quiet[field] = _parse_time(data.get(field))
        except ValueError:
            err(field, _("Enter a time as HH:MM."))
    if not errors.keys() & {"quiet_start", "quiet_end"}:
        start, end = quiet.get("quiet_start"), quiet.get("quiet_end")
        if (start is None) != (end is None):
            err("quiet_end" if start else "quiet_start", _("Give both ends of the quiet hours."))
        elif start is not None and start == end:
            err("quiet_end", _("Quiet hours must end at a different time than they start."))
    tz = str(data.get("quiet_timezone") or "").strip()
    if tz and tz not in known_timezones():
        err("quiet_timezone", _("Unknown time zone: %(tz)s.") % {"tz": tz})
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "kind": kind,
        "config": config,
        "quiet_start": quiet.get("quiet_start"),
        "quiet_end": quiet.get("quiet_end"),
        "quiet_timezone": tz,
        "daily_digest": bool(data.get("daily_digest")),
        "weekly_digest": bool(data.get("weekly_digest")),
    }


def _safe(dest: Destination) -> dict[str, Any]:
    """What the audit log keeps: never the secret."""
    return {
        "name": dest.name,
        "kind": dest.kind,
        "target": module_for(dest.kind).summary(dest.config),
        "is_active": dest.is_active,
    }


def do_create_destination(actor: Actor, data: Mapping[str, Any]) -> tuple[Destination, str]:
    """Create a destination; returns it and the generated secret to show once ("" if none)."""
    actor.require(MANAGE)
    clean = check_destination(actor.workspace.pk, data)
    typed_secret = str(data.get("secret") or "").strip()
    with transaction.atomic():
        dest = Destination.objects.create(workspace=actor.workspace, **clean)
        do_audit(actor, "notify.destination.create", dest, after=_safe(dest))
    generated = clean["config"].get("secret", "")
    shown = generated if module_for(dest.kind).SECRET_SHOWN_ONCE and not typed_secret else ""
    return dest, shown


def do_update_destination(
    actor: Actor, destination_id: int, data: Mapping[str, Any]
) -> tuple[Destination, str]:
    """Change a destination; with `rotate_secret` a webhook gets a new secret shown once."""
    dest = access_destination(actor, destination_id, MANAGE)
    before = _safe(dest)
    fields = dict(data)
    rotate = (
        bool(fields.pop("rotate_secret", False)) and fields.get("kind") == dest.kind == "webhook"
    )
    if rotate:
        fields["secret"] = new_secret()
    clean = check_destination(actor.workspace.pk, fields, current=dest)
    with transaction.atomic():
        for key, value in clean.items():
            setattr(dest, key, value)
        dest.updated_at = timezone.now()
        dest.save(update_fields=[*clean.keys(), "updated_at"])
        do_audit(actor, "notify.destination.update", dest, before=before, after=_safe(dest))
    return dest, (str(fields["secret"]) if rotate else "")


def do_set_destination_active(actor: Actor, destination_id: int, active: bool) -> Destination:
    dest = access_destination(actor, destination_id, MANAGE)
    dest.is_active = active
    if active:
        dest.failure_count = 0
        dest.disabled_reason = ""
    else:
        dest.disabled_reason = _("Disabled by %(who)s.") % {"who": actor.label}
    dest.updated_at = timezone.now()
    with transaction.atomic():
        dest.save(update_fields=["is_active", "failure_count", "disabled_reason", "updated_at"])
        do_audit(
            actor,
            "notify.destination.enable" if active else "notify.destination.disable",
            dest,
            after=_safe(dest),
        )
    return dest


def test_message(dest: Destination) -> Message:
    base = str(getattr(settings, "BASE_URL", "") or "").rstrip("/")
    return Message(
        title=_("VoxLoop test notification"),
        text=_(
            "This is a test from VoxLoop to the destination “%(name)s”. If you can read it, "
            "alerts and digests will arrive here."
        )
        % {"name": dest.name},
        url=base + reverse("notify:destination", args=[dest.pk]),
        severity=0,
        kind="test",
        fields={_("Destination"): dest.name, _("Kind"): str(dest.get_kind_display())},
        payload={"test": True, "destination_id": dest.pk},
    )


def do_send_test(actor: Actor, destination_id: int) -> Delivery:
    """Send a test message now (the person is waiting for the answer); returns its delivery."""
    dest = access_destination(actor, destination_id, MANAGE)
    if not dest.is_active:
        raise ValidationError(_("Enable the destination before sending a test."))
    [delivery_id] = do_send(actor.workspace.pk, [dest.pk], test_message(dest))
    do_deliver_ids([delivery_id])
    return Delivery.objects.get(pk=delivery_id)


def do_retry_delivery(actor: Actor, delivery_id: int) -> Delivery:
    """Put a failed or dead delivery back in the outbox with a fresh set of attempts."""
    delivery = access_delivery(actor, delivery_id, MANAGE)
    if delivery.state not in (DeliveryState.FAILED, DeliveryState.DEAD):
        raise ValidationError(_("Only failed deliveries can be retried."))
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, state=delivery.state).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
