"""Customer upsert/read through the API, and merging duplicates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from voxloop.customers.models import Customer
from voxloop.customers.services import do_merge_customers
from voxloop.feedback.models import FeedbackItem


def test_upsert_creates_then_updates_only_given_fields(api, world):
    a = api.post(
        "/customers",
        {"external_id": "M1", "name": "王小明", "segment": "VIP", "attributes": {"city": "上海"}},
    )
    assert a.status_code == 201
    b = api.post("/customers", {"external_id": "M1", "tier": "gold", "attributes": {"age": 30}})
    assert b.status_code == 200
    c = Customer.objects.get(workspace=world.acme, external_id="M1")
    assert (c.name, c.segment, c.tier) == ("王小明", "VIP", "gold")
    assert c.attributes == {"city": "上海", "age": 30}
    assert api.get("/customers/M1").json()["tier"] == "gold"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "external_id"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x", "email": "nope"}, "email"),
        ({"external_id": "x", "consent_email": "yes"}, "consent_email"),
        ({"external_id": "x", "shoe_size": 44}, "shoe_size"),
        ({"external_id": 12}, "external_id"),
    ],
)
def test_upsert_bad_input(api, payload, field):
    res = api.post("/customers", payload)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == field
    assert Customer.objects.count() == 0


def test_customer_scoped(api, outsider_api, world):
    api.post("/customers", {"external_id": "M1", "name": "Acme person"})
    assert outsider_api.get("/customers/M1").status_code == 404
    assert outsider_api.get("/customers").json()["items"] == []
    outsider_api.post("/customers", {"external_id": "M1", "name": "Globex person"})
    assert api.get("/customers/M1").json()["name"] == "Acme person"


def test_list_customers_paginates(api, world):
    for i in range(5):
        api.post("/customers", {"external_id": f"M{i}", "segment": "VIP" if i % 2 else "new"})
    page = api.get("/customers", limit=2).json()
    assert len(page["items"]) == 2 and page["next_after"]
    assert len(api.get("/customers", segment="VIP").json()["items"]) == 2


def test_merge_moves_feedback_and_redirects_future_ingest(api, world):
    api.post("/feedback", {"text": "one", "customer": "OLD-1"})
    api.post("/feedback", {"text": "two", "customer": {"external_id": "NEW-1", "email": "w@x.cn"}})
    old = Customer.objects.get(external_id="OLD-1")
    new = Customer.objects.get(external_id="NEW-1")
    do_merge_customers(factories.actor(world.acme, world.alice), new.pk, [old.pk])
    assert FeedbackItem.objects.filter(customer=new).count() == 2
    old.refresh_from_db()
    assert old.merged_into == new
    api.post("/feedback", {"text": "three", "customer": "OLD-1"})
    assert FeedbackItem.objects.filter(customer=new).count() == 3
    with pytest.raises(ValidationError):
        do_merge_customers(factories.actor(world.acme, world.alice), new.pk, [])


def test_merge_refuses_other_workspace(world):
    mine = Customer.objects.create(workspace=world.acme, external_id="A")
    theirs = Customer.objects.create(workspace=world.globex, external_id="B")
    with pytest.raises(ValidationError):
        do_merge_customers(factories.actor(world.acme, world.alice), mine.pk, [theirs.pk])
