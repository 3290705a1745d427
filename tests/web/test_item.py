"""The page of one item, relabelling and bulk actions: roles, outsiders and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from voxloop.feedback.models import Correction, FeedbackItem
from voxloop.feedback.services.labels import do_bulk_action

pytestmark = pytest.mark.django_db


def url(item: FeedbackItem, suffix: str = "") -> str:
    return f"/inbox/{item.pk}/{suffix}"


@pytest.mark.parametrize("who", ["alice", "bob", "vera"])
def test_members_open_an_item(login: Any, world: Any, inbox: Any, who: str) -> None:
    response = login(getattr(world, who)).get(url(inbox.late_item))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wang Fang" in body and "VIP" in body and "NPS survey" not in body
    assert "Late delivery" in body and "87%" in body and "Keyword" in body
    assert '<mark class="ev ev-sentiment" title="Sentiment cue">Terrible</mark>' in body
    assert '<mark class="ev ev-topic" title="Late delivery">days late</mark>' in body
    assert f"/inbox/{inbox.dup_item.pk}/" in body  # its duplicate is listed


def test_pii_and_raw_payload_only_for_privileged_roles(login: Any, world: Any, inbox: Any) -> None:
    owner = login(world.alice).get(url(inbox.late_item)).content.decode()
    assert '<mark class="ev ev-pii" title="Personal data">13800138000</mark>' in owner
    assert "raw-only" in owner and "wang@example.cn" in owner
    for who in (world.bob, world.vera):
        body = login(who).get(url(inbox.late_item)).content.decode()
        assert "13800138000" not in body and "[PHONE]" in body
        assert "raw-only" not in body and "wang@example.cn" not in body


def test_outsider_gets_404_on_acme_items(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.charlie)
    assert client.get(url(inbox.late_item)).status_code == 404
    response = client.post(url(inbox.late_item, "relabel/"), {"sentiment": "positive"})
    assert response.status_code == 404
    assert client.get("/inbox/999999/").status_code == 404
    assert client.get(url(inbox.globex_item)).status_code == 200


def test_detail_needs_sign_in(client: Any, inbox: Any) -> None:
    assert client.get(url(inbox.late_item)).url.startswith("/login/")


def test_relabel_stores_corrections_and_shows_history(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.bob)
    response = client.post(
        url(inbox.late_item, "relabel/"),
        {"sentiment": "neutral", "kind": "question", "topics": [inbox.price.pk]},
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(pk=inbox.late_item.pk)
    assert (item.sentiment, item.kind) == ("neutral", "question")
    assert list(item.topic_links.values_list("topic_id", flat=True)) == [inbox.price.pk]
    fields = set(Correction.objects.filter(item=item).values_list("field", flat=True))
    assert fields == {"sentiment", "kind", "topics"}
    body = client.get(url(item)).content.decode()
    assert "Labels saved." in body
    assert "<td>Late delivery</td><td>Price</td>" in body
    assert "<td>Negative</td><td>Neutral</td>" in body


def test_viewer_may_not_relabel(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.vera)
    assert "Save labels" not in client.get(url(inbox.late_item)).content.decode()
    response = client.post(url(inbox.late_item, "relabel/"), {"sentiment": "positive"})
    assert response.status_code == 403
    assert FeedbackItem.objects.get(pk=inbox.late_item.pk).sentiment == "negative"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sentiment": "ecstatic"}, "Select a valid choice. ecstatic"),
        ({"kind": "rant"}, "Select a valid choice. rant"),
        ({"topics": ["abc"]}, "Select a valid choice. abc"),
        ({"topics": ["424242"]}, "Select a valid choice. 424242"),
    ],
)
def test_relabel_garbage_gets_a_clear_error(
    login: Any, world: Any, inbox: Any, data: dict[str, Any], message: str
) -> None:
    response = login(world.bob).post(url(inbox.late_item, "relabel/"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Correction.objects.exists()


def test_relabel_with_a_topic_of_another_workspace_is_refused(
    login: Any, world: Any, inbox: Any
) -> None:
    from tests import factories

    foreign = factories.topic(world.globex, "Globex topic", "外部")
    response = login(world.bob).post(url(inbox.late_item, "relabel/"), {"topics": [foreign.pk]})
    assert response.status_code == 400
    assert not Correction.objects.exists()


def test_detail_query_count(
    login: Any, world: Any, inbox: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.alice)
    client.get(url(inbox.late_item))
    with django_assert_max_num_queries(14):
        assert client.get(url(inbox.late_item)).status_code == 200


# Bulk actions


def test_bulk_mark_junk_and_set_sentiment(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.bob)
    ids = [inbox.late_item.pk, inbox.praise_item.pk]
    response = client.post(
        "/inbox/bulk/",
        {"ids": ids, "action": "set_sentiment", "value": "neutral", "query": "kind=praise"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 items changed." in body
    assert "<html" not in body and "价格很实惠" in body and "call me at" not in body  # kind=praise
    assert set(FeedbackItem.objects.filter(pk__in=ids).values_list("sentiment", flat=True)) == {
        "neutral"
    }
    response = client.post("/inbox/bulk/", {"ids": ids, "action": "mark_junk", "query": ""})
    assert response.status_code == 302 and response.url == "/inbox/"
    assert set(FeedbackItem.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"junk"}


def test_bulk_add_topic(login: Any, world: Any, inbox: Any) -> None:
    login(world.alice).post(
        "/inbox/bulk/",
        {"ids": [inbox.praise_item.pk], "action": "add_topic", "value": str(inbox.late.pk)},
    )
    topics = set(inbox.praise_item.topic_links.values_list("topic_id", flat=True))
    assert topics == {inbox.price.pk, inbox.late.pk}


def test_bulk_set_kind_is_recorded_as_corrections(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.bob)
    assert '<option value="set_kind">Set type</option>' in client.get("/inbox/").content.decode()
    ids = [inbox.late_item.pk, inbox.praise_item.pk]
    response = client.post(
        "/inbox/bulk/", {"ids": ids, "action": "set_kind", "value": "question", "query": ""}
    )
    assert response.status_code == 302
    assert set(FeedbackItem.objects.filter(pk__in=ids).values_list("kind", flat=True)) == {
        "question"
    }
    corrections = Correction.objects.filter(item_id__in=ids, field="kind")
    assert sorted((c.old_value, c.new_value) for c in corrections) == [
        ("complaint", "question"),
        ("praise", "question"),
    ]
    assert all(c.user == world.bob for c in corrections)
    # already that type: nothing changes, no new correction
    again = client.post(
        "/inbox/bulk/",
        {"ids": ids, "action": "set_kind", "value": "question"},
        headers={"HX-Request": "true"},
    )
    assert "0 items changed." in again.content.decode()
    assert Correction.objects.filter(item_id__in=ids, field="kind").count() == 2


def test_bulk_set_kind_in_chinese(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.bob)
    body = client.get("/inbox/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<option value="set_kind">设置类型</option>' in body


def test_viewer_may_not_use_bulk_actions(login: Any, world: Any, inbox: Any) -> None:
    client = login(world.vera)
    assert "data-bulkbar" not in client.get("/inbox/").content.decode()
    response = client.post("/inbox/bulk/", {"ids": [inbox.late_item.pk], "action": "mark_junk"})
    assert response.status_code == 403
    assert FeedbackItem.objects.get(pk=inbox.late_item.pk).status == "analyzed"


def test_outsider_bulk_action_does_not_touch_acme(login: Any, world: Any, inbox: Any) -> None:
    login(world.charlie).post("/inbox/bulk/", {"ids": [inbox.late_item.pk], "action": "mark_junk"})
    assert FeedbackItem.objects.get(pk=inbox.late_item.pk).status == "analyzed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "mark_junk"}, "Items: Select at least one item."),
        ({"ids": ["x1"], "action": "mark_junk"}, "Items: x1 is not an item number."),
        ({"ids": ["1"], "action": "explode"}, "Action: Select a valid choice. explode"),
        ({"ids": ["ITEM"], "action": "set_sentiment", "value": "meh"}, "Sentiment: Choose one"),
        ({"ids": ["ITEM"], "action": "add_topic", "value": "zz"}, "Value: Choose a topic"),
        ({"ids": ["ITEM"], "action": "set_kind", "value": "rant"}, "Type: Choose one of"),
        ({"ids": ["ITEM"], "action": "set_kind"}, "Type: Choose one of"),
    ],
)
def test_bulk_garbage_gets_a_clear_error(
    login: Any, world: Any, inbox: Any, data: dict[str, Any], message: str
) -> None:
    data = {
        **data,
        "ids": [str(inbox.late_item.pk) if i == "ITEM" else i for i in data.get("ids", [])],
    }
    response = login(world.bob).post("/inbox/bulk/", data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert message in response.content.decode()
    item = FeedbackItem.objects.get(pk=inbox.late_item.pk)
    assert (item.status, item.sentiment, item.kind) == ("analyzed", "negative", "complaint")
    assert not Correction.objects.filter(item=item).exists()


@pytest.mark.parametrize(
    ("action", "value", "field"),
    [
        ("set_kind", "rant", "kind"),
        ("set_sentiment", None, "sentiment"),
        ("add_topic", "", "value"),
    ],
)
def test_bulk_value_is_checked_before_any_item_changes(
    world: Any, inbox: Any, action: str, value: Any, field: str
) -> None:
    actor = factories.actor(world.acme, world.bob)
    ids = [inbox.late_item.pk, inbox.praise_item.pk]
    with pytest.raises(ValidationError) as caught:
        do_bulk_action(actor, ids, action, value)
    assert list(caught.value.message_dict) == [field]
    assert not Correction.objects.filter(item_id__in=ids).exists()


def test_bulk_set_kind_of_an_outsiders_items_changes_nothing(world: Any, inbox: Any) -> None:
    charlie = factories.actor(world.globex, world.charlie)
    assert do_bulk_action(charlie, [inbox.late_item.pk], "set_kind", "praise") == 0
    assert FeedbackItem.objects.get(pk=inbox.late_item.pk).kind == "complaint"
