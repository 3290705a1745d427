"""Customer endpoints: upsert by external id, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from voxloop.accounts.actors import Actor
from voxloop.customers.models import Customer
from voxloop.customers.services import do_upsert_customer
from voxloop.feedback.schemas import CustomerIn

router = Router(tags=["customers"])


class CustomerOut(Schema):
    id: int
    external_id: str
    name: str
    email: str
    phone: str
    segment: str
    tier: str
    attributes: dict[str, Any]
    consent_email: bool
    consent_sms: bool
    consent_survey: bool
    merged_into: str | None
    created_at: datetime
    updated_at: datetime


def _out(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "external_id": c.external_id,
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "segment": c.segment,
        "tier": c.tier,
        "attributes": c.attributes,
        "consent_email": c.consent_email,
        "consent_sms": c.consent_sms,
        "consent_survey": c.consent_survey,
        "merged_into": c.merged_into.external_id if c.merged_into is not None else None,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined, no-any-return]


@router.post("", response={200: CustomerOut, 201: CustomerOut}, summary="Create or update")
def upsert_customer(request: HttpRequest, payload: CustomerIn) -> Any:
    """Upsert by `external_id`: given fields are set, missing ones are left as they are."""
    customer, created = do_upsert_customer(_actor(request), payload)
    return Status(201 if created else 200, _out(customer))


@router.get("/{external_id}", response=CustomerOut, summary="Read one by external id")
def get_customer(request: HttpRequest, external_id: str) -> Any:
    actor = _actor(request)
    actor.require("customers.view")
    c = Customer.objects.select_related("merged_into").get(
        workspace=actor.workspace, external_id=external_id
    )
    return _out(c)


class CustomerQuery(Schema):
    segment: str | None = None
    q: str | None = None
    after: int | None = Field(None, description="Continue after this id")
    limit: int = Field(50, ge=1, le=500)


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_after: int | None


@router.get("", response=CustomerPage, summary="List customers")
def list_customers(request: HttpRequest, query: Query[CustomerQuery]) -> Any:
    actor = _actor(request)
    actor.require("customers.view")
    qs = Customer.objects.filter(workspace=actor.workspace).select_related("merged_into")
    if query.segment:
        qs = qs.filter(segment=query.segment)
    if query.q:
        qs = qs.filter(name__icontains=query.q) | qs.filter(external_id=query.q)
    if query.after:
        qs = qs.filter(pk__gt=query.after)
    rows = list(qs.order_by("id")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {"items": [_out(c) for c in rows], "next_after": rows[-1].pk if more and rows else None}
