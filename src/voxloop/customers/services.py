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
    ref. A customer merged into another resolves to the one it was merged into. New
    customers are inserted with ON CONFLICT DO NOTHING, in external-id order, so concurrent
    batches naming the same new customers neither fail nor deadlock: whichever commits
    first creates the row and the others pick it up.
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
    ids = _ids_by_external_id(workspace, sorted(plain))
    found = _customers_by_external_id(workspace, sorted(detailed))
    now = timezone.now()
    new: list[Customer] = []
    updated: list[Customer] = []
    for ext in plain - set(ids):
        new.append(Customer(workspace=workspace, external_id=ext, created_at=now, updated_at=now))
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
        new.sort(key=lambda c: c.external_id)
        Customer.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        ids.update(_ids_by_external_id(workspace, [c.external_id for c in new]))
        # A detailed customer another batch created first: bring it up to date with ours.
        raced = [c.external_id for c in new if c.external_id in detailed]
        for ext, customer in _customers_by_external_id(workspace, raced).items():
            if _apply(customer, detailed[ext]):
                customer.updated_at = now
                updated.append(customer)
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


def _ids_by_external_id(workspace: Workspace, external_ids: list[str]) -> dict[str, int]:
    """external_id -> id, following merges, for the customers that exist."""
    ids: dict[str, int] = {}
    for start in range(0, len(external_ids), 900):
        for ext, pk, merged in Customer.objects.filter(
            workspace=workspace, external_id__in=external_ids[start : start + 900]
        ).values_list("external_id", "id", "merged_into_id"):
            ids[ext] = merged or pk
    return ids


def _customers_by_external_id(workspace: Workspace, external_ids: list[str]) -> dict[str, Customer]:
    """external_id -> customer (the one it was merged into, if any), for those that exist."""
    found: dict[str, Customer] = {}
    for start in range(0, len(external_ids), 900):
        for c in Customer.objects.select_related("merged_into").filter(
            workspace=workspace, external_id__in=external_ids[start : start + 900]
        ):
            found[c.external_id] = c.merged_into or c
    return found


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
