"""Customers and the events that happen to them (purchases, deliveries, closed tickets)."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace


class Customer(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customers")
    external_id = models.CharField(_("external id"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    segment = models.CharField(_("segment"), max_length=80, blank=True, db_index=True)
    tier = models.CharField(_("tier"), max_length=40, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    consent_email = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    consent_survey = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], name="uniq_customer_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class CustomerEvent(models.Model):
    """Something that happened to a customer; survey triggers listen for these."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=80)  # purchase, delivered, service_completed, ...
    occurred_at = models.DateTimeField(default=now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "kind", "occurred_at"])]
