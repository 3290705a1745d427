"""Reading, filtering, paginating and relabelling feedback through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests import factories
from voxloop.feedback.models import Correction, FeedbackTopic


def _seed(world):
    delivery = factories.topic(world.acme, "Delivery", "配送")
    late = factories.topic(world.acme, "Late", "延迟", parent=delivery)
    now = datetime.now(UTC)
    items = []
    for i in range(7):
        items.append(
            factories.item(
                world.acme,
                f"late parcel number {i}" if i % 2 else f"lovely service {i}",
                sentiment="negative" if i % 2 else "positive",
                kind="complaint" if i % 2 else "praise",
                status="analyzed",
                occurred_at=now - timedelta(days=i),
            )
        )
    for it in items[1::2]:
        FeedbackTopic.objects.create(item=it, topic=late, source="keyword", confidence=0.9)
    factories.item(world.globex, "globex secret late parcel", sentiment="negative")
    return items, delivery, late


def test_list_filters_and_is_scoped(api, world):
    items, delivery, _late = _seed(world)
    res = api.get("/feedback")
    assert res.status_code == 200
    texts = [i["text"] for i in res.json()["items"]]
    assert len(texts) == 7 and not any("globex" in t for t in texts)
    neg = api.get("/feedback", sentiment="negative").json()["items"]
    assert {i["id"] for i in neg} == {i.pk for i in items[1::2]}
    by_parent_topic = api.get("/feedback", topic=delivery.pk).json()["items"]
    assert {i["id"] for i in by_parent_topic} == {i.pk for i in items[1::2]}
    assert api.get("/feedback", q="parcel 3").json()["items"][0]["id"] == items[3].pk
    since = (datetime.now(UTC) - timedelta(days=2, hours=1)).isoformat()
    assert len(api.get("/feedback", since=since).json()["items"]) == 3
    assert len(api.get("/feedback", kind="praise").json()["items"]) == 4


def test_cursor_pagination_walks_everything_once(api, world):
    _seed(world)
    seen, cursor = [], None
    while True:
        params = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/feedback", **params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


def test_bad_query_params(api, world):
    assert api.get("/feedback", cursor="garbage!").status_code == 422
    assert api.get("/feedback", since="not a date").status_code == 422
    assert api.get("/feedback", limit=0).status_code == 422
    assert api.get("/feedback", limit=501).status_code == 422
    assert api.get("/feedback", topic="x").status_code == 422


def test_get_one_and_404_for_other_workspace(api, outsider_api, world):
    items, *_ = _seed(world)
    assert api.get(f"/feedback/{items[0].pk}").json()["text"] == items[0].text
    assert outsider_api.get(f"/feedback/{items[0].pk}").status_code == 404
    assert api.get("/feedback/999999").status_code == 404


def test_relabel_stores_corrections(api, world):
    items, _delivery, late = _seed(world)
    res = api.patch(
        f"/feedback/{items[0].pk}",
        {"sentiment": "negative", "kind": "complaint", "topics": [late.pk]},
    )
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["sentiment"] == "negative" and body["kind"] == "complaint"
    assert [t["id"] for t in body["topics"]] == [late.pk]
    assert body["topics"][0]["source"] == "manual"
    fields = set(Correction.objects.filter(item=items[0]).values_list("field", flat=True))
    assert fields == {"sentiment", "kind", "topics"}
    # relabelling to the same values stores nothing new
    api.patch(f"/feedback/{items[0].pk}", {"sentiment": "negative"})
    assert Correction.objects.filter(item=items[0]).count() == 3


def test_relabel_bad_input(api, outsider_api, world):
    items, _delivery, _late = _seed(world)
    pk = items[0].pk
    assert (
        api.patch(f"/feedback/{pk}", {"sentiment": "furious"}).json()["errors"][0]["field"]
        == "sentiment"
    )
    assert api.patch(f"/feedback/{pk}", {"kind": "rant"}).status_code == 422
    assert api.patch(f"/feedback/{pk}", {"topics": [999999]}).status_code == 422
    assert api.patch(f"/feedback/{pk}", {"mood": "x"}).status_code == 422
    other_topic = factories.topic(world.globex, "Theirs", "他们的")
    assert api.patch(f"/feedback/{pk}", {"topics": [other_topic.pk]}).status_code == 422
    assert outsider_api.patch(f"/feedback/{pk}", {"sentiment": "neutral"}).status_code == 404
    assert Correction.objects.count() == 0


def test_topics_endpoint_scoped(api, world):
    _seed(world)
    factories.topic(world.globex, "Theirs", "他们的")
    names = [t["name_en"] for t in api.get("/topics").json()]
    assert names == ["Delivery", "Late"]
