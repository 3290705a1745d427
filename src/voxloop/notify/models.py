"""Data of the notify app: where messages go (Destination) and every message sent (Delivery)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace


class Kind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    SLACK = "slack", _("Slack")
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


class Destination(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="notify_destinations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    # email: {"recipients": [...]}; http kinds: {"url": ..., "secret": ...}. The secret is kept
    # as given because signing (HMAC) needs the key itself; see docs/notify.md.
    config = models.JSONField(default=dict)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    quiet_timezone = models.CharField(_("quiet hours time zone"), max_length=64, blank=True)
    daily_digest = models.BooleanField(_("daily digest"), default=False)
    weekly_digest = models.BooleanField(_("weekly digest"), default=False)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="uniq_destination_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("gave up")


class Delivery(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="notify_deliveries"
    )
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due"),
            models.Index(fields=["workspace", "-created_at"], name="notify_delivery_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="uniq_delivery_dedupe",
            )
        ]

    @property
    def title(self) -> str:
        msg: dict[str, Any] = self.message or {}
        return str(msg.get("title", ""))
