"""Creating, updating and merging customers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Workspace
from voxloop.accounts.services import do_audit
from voxloop.customers.models import Customer
from voxloop.feedback.schemas import CustomerIn

_FIELDS = (
    "name",
    "email",
    "phone",
    "segment",
    "tier",
    "consent_email",
    "consent_sms",
    "consent_survey",
)


def _snapshot(customer: Customer) -> dict[str, Any]:
    data = {f: getattr(customer, f) for f in _FIELDS}
    data["attributes"] = customer.attributes
    return data


def _apply(customer: Customer, data: CustomerIn) -> list[str]:
    changed = []
    for f in _FIELDS:
        value = getattr(data, f)
        if value is not None and getattr(customer, f) != value:
            setattr(customer, f, value)
            changed.append(f)
    if data.attributes:
        merged = {**customer.attributes, **data.attributes}
        if merged != customer.attributes:
            customer.attributes = merged
            changed.append("attributes")
    return changed


@transaction.atomic
def do_upsert_customer(actor: Actor, data: CustomerIn) -> tuple[Customer, bool]:
    actor.require("customers.edit")
    customer, created = Customer.objects.select_for_update().get_or_create(
        workspace=actor.workspace, external_id=data.external_id
    )
    before = None if created else _snapshot(customer)
    changed = _apply(customer, data)
    if changed or created:
        customer.updated_at = timezone.now()
        customer.save()
        do_audit(
            actor,
            "customer.create" if created else "customer.update",
            customer,
            before=before,
            after=_snapshot(customer),
        )
    return customer, created


def do_upsert_customers_for_ingest(
    workspace: Workspace, refs: Mapping[int, str | CustomerIn | None]
) -> dict[int, int]:
    """Resolve the customers named by a batch of feedback, creating or updating as needed.

    Runs inside the caller's transaction; returns key -> customer id for every non-empty
    ref. A customer merged into another resolves to the one it was merged into.
    """
    plain: set[str] = set()
    detailed: dict[str, CustomerIn] = {}
    for ref in refs.values():
        if isinstance(ref, str):
            if ref.strip():
                plain.add(ref.strip())
        elif ref is not None:
            detailed[ref.external_id] = ref
    plain -= set(detailed)
    ids: dict[str, int] = {}
    names = sorted(plain)
    for start in range(0, len(names), 900):
        for ext, pk, merged in Customer.objects.filter(
            workspace=workspace, external_id__in=names[start : start + 900]
        ).values_list("external_id", "id", "merged_into_id"):
            ids[ext] = merged or pk
    now = timezone.now()
    new = [
        Customer(workspace=workspace, external_id=ext, created_at=now, updated_at=now)
        for ext in names
        if ext not in ids
    ]
    found: dict[str, Customer] = {}
    wanted = sorted(detailed)
    for start in range(0, len(wanted), 900):
        for c in Customer.objects.select_related("merged_into").filter(
            workspace=workspace, external_id__in=wanted[start : start + 900]
        ):
            found[c.external_id] = c.merged_into or c
    updated = []
    for ext, data in detailed.items():
        customer = found.get(ext)
        if customer is None:
            customer = Customer(
                workspace=workspace, external_id=ext, created_at=now, updated_at=now
            )
            _apply(customer, data)
            new.append(customer)
        elif _apply(customer, data):
            customer.updated_at = now
            updated.append(customer)
    if new:
        Customer.objects.bulk_create(new, batch_size=500)
        ids.update({c.external_id: c.pk for c in new})
    if updated:
        Customer.objects.bulk_update(
            updated, [*_FIELDS, "attributes", "updated_at"], batch_size=500
        )
    ids.update({ext: c.pk for ext, c in found.items()})
    out: dict[int, int] = {}
    for key, ref in refs.items():
        if ref is None:
            continue
        ext = ref.strip() if isinstance(ref, str) else ref.external_id
        if ext:
            out[key] = ids[ext]
    return out


@transaction.atomic
def do_merge_customers(actor: Actor, keep_id: int, merge_ids: list[int]) -> Customer:
    """Fold duplicate customers into one: their feedback and events move to `keep`."""
    actor.require("customers.merge")
    keep = Customer.objects.select_for_update().get(pk=keep_id, workspace=actor.workspace)
    others = list(
        Customer.objects.select_for_update().filter(
            pk__in=[m for m in merge_ids if m != keep_id], workspace=actor.workspace
        )
    )
    if len(others) != len({m for m in merge_ids if m != keep_id}):
        raise ValidationError({"merge_ids": "Some customers do not exist in this workspace."})
    if not others:
        raise ValidationError({"merge_ids": "Choose at least one other customer to merge."})
    from voxloop.feedback.models import FeedbackItem

    before = _snapshot(keep)
    for other in others:
        for f in ("name", "email", "phone", "segment", "tier"):
            if not getattr(keep, f) and getattr(other, f):
                setattr(keep, f, getattr(other, f))
        keep.attributes = {**other.attributes, **keep.attributes}
        keep.consent_email = keep.consent_email or other.consent_email
        keep.consent_sms = keep.consent_sms or other.consent_sms
        keep.consent_survey = keep.consent_survey or other.consent_survey
    ids = [o.pk for o in others]
    FeedbackItem.objects.filter(workspace=actor.workspace, customer_id__in=ids).update(
        customer=keep
    )
    keep.events.model.objects.filter(workspace=actor.workspace, customer_id__in=ids).update(
        customer=keep
    )
    Customer.objects.filter(pk__in=ids).update(merged_into=keep)
    keep.updated_at = timezone.now()
    keep.save()
    do_audit(
        actor,
        "customer.merge",
        keep,
        before=before,
        after={**_snapshot(keep), "merged": [o.external_id for o in others]},
    )
    return keep
