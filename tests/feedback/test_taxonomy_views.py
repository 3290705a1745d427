"""The taxonomy editor: tree, edit, move rules, deactivate/delete, JSON import and export."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from voxloop.accounts.models import AuditLog
from voxloop.feedback.models import FeedbackTopic, Topic


@pytest.fixture
def tree(world):
    """acme: Delivery › Speed › Late courier, plus Product (a leaf)."""
    delivery = factories.topic(world.acme, "Delivery", "配送", keywords=["配送"])
    speed = factories.topic(world.acme, "Speed", "速度", parent=delivery)
    late = factories.topic(world.acme, "Late courier", "骑手迟到", parent=speed)
    product = factories.topic(world.acme, "Product", "商品")
    return {"delivery": delivery, "speed": speed, "late": late, "product": product}


def _link(world, topic, text="送得太慢"):
    item = factories.item(world.acme, text)
    FeedbackTopic.objects.create(item=item, topic=topic, source="manual")
    return item


def _mona(world):
    user = factories.UserFactory(email="mona@acme.test")
    factories.member(world.acme, user, "manager")
    return user


def test_index_shows_tree_with_counts(client, world, tree, django_assert_max_num_queries):
    _link(world, tree["late"])
    client.force_login(world.alice)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("taxonomy:index"))
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("配送", "Delivery", "骑手迟到", "Late courier", "Product"):
        assert name in body
    assert 'id="taxonomy-insights"' in body
    roots = page.context["tree"]
    delivery = next(n for n in roots if n.topic == tree["delivery"])
    assert delivery.children[0].children[0].items == 1


def test_create_child_with_keywords_and_examples(client, world, tree):
    client.force_login(_mona(world))
    url = reverse("taxonomy:new") + f"?parent={tree['delivery'].pk}"
    assert client.get(url).context["form"]["parent"].value() == tree["delivery"].pk
    response = client.post(
        url,
        {
            "name_zh": "包装",
            "name_en": "Packaging",
            "parent": tree["delivery"].pk,
            "keywords": "包装破损，盒子坏了\n damaged box, 包装破损 ; 漏液、",
            "examples": "盒子都压扁了, 东西还好\n\nThe box arrived crushed",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(workspace=world.acme, name_en="Packaging")
    assert (topic.parent, topic.level) == (tree["delivery"], 2)
    assert topic.keywords == ["包装破损", "盒子坏了", "damaged box", "漏液"]
    assert topic.examples == ["盒子都压扁了, 东西还好", "The box arrived crushed"]
    log = AuditLog.objects.get(action="topic.create", object_id=str(topic.pk))
    assert log.after["keywords"] == topic.keywords and log.actor_user.email == "mona@acme.test"


def test_edit_topic_is_audited_with_before_and_after(client, world, tree):
    client.force_login(world.alice)
    url = reverse("taxonomy:edit", args=[tree["speed"].pk])
    form = client.get(url).context["form"]
    assert form.initial["name_zh"] == "速度"
    response = client.post(
        url,
        {
            "name_zh": "时效",
            "name_en": "Timeliness",
            "parent": tree["delivery"].pk,
            "keywords": "慢",
        },
    )
    assert response.status_code == 302
    tree["speed"].refresh_from_db()
    assert (tree["speed"].name_en, tree["speed"].keywords) == ("Timeliness", ["慢"])
    log = AuditLog.objects.get(action="topic.update", object_id=str(tree["speed"].pk))
    assert log.before["name_en"] == "Speed" and log.after["name_en"] == "Timeliness"


def test_move_topic_keeps_levels(client, world, tree):
    client.force_login(world.alice)
    # Move Speed (with its child) to the top: Speed becomes level 1, Late courier level 2.
    response = client.post(
        reverse("taxonomy:edit", args=[tree["speed"].pk]),
        {"name_zh": "速度", "name_en": "Speed", "parent": ""},
    )
    assert response.status_code == 302
    tree["speed"].refresh_from_db()
    tree["late"].refresh_from_db()
    assert (tree["speed"].parent, tree["speed"].level, tree["late"].level) == (None, 1, 2)
    # And under Product: level 2 and 3.
    response = client.post(
        reverse("taxonomy:edit", args=[tree["speed"].pk]),
        {"name_zh": "速度", "name_en": "Speed", "parent": tree["product"].pk},
    )
    assert response.status_code == 302
    tree["late"].refresh_from_db()
    assert tree["late"].level == 3


@pytest.mark.parametrize(
    ("topic", "parent", "why"),
    [
        ("delivery", "speed", "cycle"),  # under its own child
        ("delivery", "late", "cycle"),  # under its own grandchild
        ("delivery", "delivery", "cycle"),  # under itself
        ("speed", "product", None),  # allowed (2 levels under a level-1)
        ("delivery", "product", "depth"),  # 3-level subtree under a level-1 → 4 levels
        ("product", "late", "depth"),  # leaf under a level-3 → level 4
    ],
)
def test_move_rules(client, world, tree, topic, parent, why):
    client.force_login(world.alice)
    t = tree[topic]
    response = client.post(
        reverse("taxonomy:edit", args=[t.pk]),
        {"name_zh": t.name_zh, "name_en": t.name_en, "parent": tree[parent].pk},
    )
    if why is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    errors = response.context["form"].errors["parent"]
    assert ("itself" in errors[0]) if why == "cycle" else ("three levels" in errors[0])
    assert 'data-field="parent"' in response.content.decode()
    assert max(Topic.objects.filter(workspace=world.acme).values_list("level", flat=True)) == 3
    t.refresh_from_db()
    assert t.parent_id == (tree[topic].parent_id)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name_en": "", "name_zh": "  "}, "name_en"),
        ({"name_en": "x" * 121, "name_zh": "ok"}, "name_en"),
        ({"name_en": "ok", "name_zh": "长" * 121}, "name_zh"),
        ({"name_en": "ok", "parent": "abc"}, "parent"),
        ({"name_en": "ok", "parent": 99999999}, "parent"),
        ({"name_en": "ok", "keywords": ",".join(f"k{i}" for i in range(51))}, "keywords"),
        ({"name_en": "ok", "keywords": "x" * 201}, "keywords"),
        ({"name_en": "ok", "examples": "\n".join(f"e{i}" for i in range(51))}, "examples"),
    ],
)
def test_topic_garbage(client, world, tree, data, field):
    client.force_login(world.alice)
    before = Topic.objects.count()
    response = client.post(reverse("taxonomy:new"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Topic.objects.count() == before


def test_new_topic_under_level_three_is_refused(client, world, tree):
    client.force_login(world.alice)
    response = client.post(
        reverse("taxonomy:new"), {"name_en": "Too deep", "parent": tree["late"].pk}
    )
    assert response.status_code == 400
    assert "three levels" in response.context["form"].errors["parent"][0]


def test_parent_of_another_workspace_is_refused(client, world, tree):
    other = factories.topic(world.globex, "Billing", "账单")
    client.force_login(world.alice)
    response = client.post(reverse("taxonomy:new"), {"name_en": "X", "parent": other.pk})
    assert response.status_code == 400 and "parent" in response.context["form"].errors


def test_deactivate_with_confirmation_and_reactivate(client, world, tree):
    _link(world, tree["late"])
    _link(world, tree["delivery"], "配送太慢")
    client.force_login(world.alice)
    page = client.get(reverse("taxonomy:deactivate", args=[tree["delivery"].pk]))
    assert page.status_code == 200
    assert page.context["usage"] == {"subtopics": 2, "items": 2, "direct_items": 1}
    assert "2 feedback items" in page.content.decode()
    assert (
        client.post(reverse("taxonomy:deactivate", args=[tree["delivery"].pk])).status_code == 302
    )
    states = dict(Topic.objects.filter(workspace=world.acme).values_list("name_en", "is_active"))
    assert states == {"Delivery": False, "Speed": False, "Late courier": False, "Product": True}
    log = AuditLog.objects.get(action="topic.deactivate")
    assert log.before["is_active"] is True and log.after["is_active"] is False
    assert sorted(log.after["topics"]) == sorted(
        t.pk for t in (tree["delivery"], tree["speed"], tree["late"])
    )
    # A child cannot come back while its parent is inactive.
    client.post(reverse("taxonomy:activate", args=[tree["speed"].pk]))
    tree["speed"].refresh_from_db()
    assert not tree["speed"].is_active
    client.post(reverse("taxonomy:activate", args=[tree["delivery"].pk]))
    tree["delivery"].refresh_from_db()
    assert tree["delivery"].is_active
    assert AuditLog.objects.filter(action="topic.activate").count() == 1


def test_delete_with_confirmation_shows_usage(client, world, tree):
    item = _link(world, tree["late"])
    client.force_login(world.alice)
    page = client.get(reverse("taxonomy:delete", args=[tree["speed"].pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "1 feedback item loses" in body and "1 sub-topic is deleted" in body
    assert Topic.objects.filter(pk=tree["speed"].pk).exists()
    assert client.post(reverse("taxonomy:delete", args=[tree["speed"].pk])).status_code == 302
    assert not Topic.objects.filter(pk__in=[tree["speed"].pk, tree["late"].pk]).exists()
    assert not item.topic_links.exists()
    assert AuditLog.objects.get(action="topic.delete").before["name_en"] == "Speed"


@pytest.mark.parametrize("who", ["bob", "vera"])
def test_agent_and_viewer_get_403(client, world, tree, who):
    client.force_login(getattr(world, who))
    pk = tree["delivery"].pk
    assert client.get(reverse("taxonomy:index")).status_code == 403
    assert client.get(reverse("taxonomy:export")).status_code == 403
    assert client.post(reverse("taxonomy:new"), {"name_en": "X"}).status_code == 403
    assert client.post(reverse("taxonomy:edit", args=[pk]), {"name_en": "X"}).status_code == 403
    assert client.post(reverse("taxonomy:deactivate", args=[pk])).status_code == 403
    assert client.post(reverse("taxonomy:delete", args=[pk])).status_code == 403
    assert client.post(reverse("taxonomy:import"), {"text": "[]"}).status_code == 403
    assert Topic.objects.filter(workspace=world.acme).count() == 4


def test_outsider_gets_404_for_acme_topics(client, world, tree):
    client.force_login(world.charlie)
    pk = tree["delivery"].pk
    assert client.get(reverse("taxonomy:edit", args=[pk])).status_code == 404
    assert client.post(reverse("taxonomy:edit", args=[pk]), {"name_en": "Pwned"}).status_code == 404
    assert client.get(reverse("taxonomy:deactivate", args=[pk])).status_code == 404
    assert client.post(reverse("taxonomy:activate", args=[pk])).status_code == 404
    assert client.post(reverse("taxonomy:delete", args=[pk])).status_code == 404
    assert client.get(reverse("taxonomy:new") + f"?parent={pk}").status_code == 404
    tree["delivery"].refresh_from_db()
    assert tree["delivery"].name_en == "Delivery" and tree["delivery"].is_active
    page = client.get(reverse("taxonomy:index"))
    assert page.status_code == 200 and "Delivery" not in page.content.decode()
    assert json.loads(client.get(reverse("taxonomy:export")).content)["topics"] == []


def test_export_then_import_into_another_workspace(client, world, tree):
    tree["product"].is_active = False
    tree["product"].save(update_fields=["is_active"])
    client.force_login(world.alice)
    response = client.get(reverse("taxonomy:export"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [t["name_zh"] for t in data["topics"]] == ["配送", "商品"]
    assert data["topics"][0]["children"][0]["children"][0]["name_en"] == "Late courier"

    client.force_login(world.charlie)
    upload = SimpleUploadedFile("t.json", response.content, content_type="application/json")
    result = client.post(reverse("taxonomy:import"), {"file": upload})
    assert result.status_code == 302
    imported = {t.name_en: t for t in Topic.objects.filter(workspace=world.globex)}
    assert set(imported) == {"Delivery", "Speed", "Late courier", "Product"}
    assert imported["Late courier"].level == 3 and imported["Delivery"].keywords == ["配送"]
    assert not imported["Product"].is_active
    assert AuditLog.objects.filter(workspace=world.globex, action="topic.import").exists()
    # Importing the same file again changes nothing.
    again = client.post(reverse("taxonomy:import"), {"text": response.content.decode()})
    assert again.status_code == 302
    assert Topic.objects.filter(workspace=world.globex).count() == 4
    assert AuditLog.objects.filter(workspace=world.globex, action="topic.update").count() == 0
    # acme untouched.
    assert Topic.objects.filter(workspace=world.acme).count() == 4


def test_import_merges_by_name(client, world, tree):
    client.force_login(world.alice)
    payload = {
        "topics": [
            {
                "name_en": "Delivery",
                "name_zh": "配送",
                "keywords": ["配送", "快递"],
                "children": [{"name_en": "Courier attitude", "name_zh": "骑手态度"}],
            }
        ]
    }
    response = client.post(reverse("taxonomy:import"), {"text": json.dumps(payload)})
    assert response.status_code == 302
    tree["delivery"].refresh_from_db()
    assert tree["delivery"].keywords == ["配送", "快递"]
    new = Topic.objects.get(workspace=world.acme, name_en="Courier attitude")
    assert new.parent == tree["delivery"] and new.level == 2
    assert Topic.objects.filter(pk=tree["speed"].pk).exists()  # nothing deleted


def _deep(levels):
    node = {"name_en": f"L{levels}"}
    for n in range(levels - 1, 0, -1):
        node = {"name_en": f"L{n}", "children": [node]}
    return [node]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("{not json", "Not valid JSON"),
        ("[]", "no topics"),
        ('"a string"', "topics: must be a list"),
        ('{"topics": [{"name_en": ""}]}', "topics[0].name_en"),
        ('{"topics": [{"name_en": "A", "colour": "red"}]}', "unknown field(s) colour"),
        ('{"topics": [{"name_en": "A", "keywords": "x"}]}', "topics[0].keywords"),
        ('{"topics": [{"name_en": "A", "is_active": "yes"}]}', "topics[0].is_active"),
        ('{"topics": [{"name_en": "A"}, {"name_en": "a"}]}', "topics[1].name_en"),
        (json.dumps({"topics": [{"name_en": "x" * 121}]}), "at most 120"),
        (json.dumps({"topics": _deep(4)}), "topics[0].children[0].children[0].children"),
        ('{"voxloop_taxonomy": 9, "topics": []}', "unsupported version"),
    ],
)
def test_import_garbage_names_the_path(client, world, tree, text, expect):
    client.force_login(world.alice)
    response = client.post(reverse("taxonomy:import"), {"text": text})
    assert response.status_code == 400
    errors = response.context["import_form"].errors["text"]
    assert any(expect in e for e in errors), errors
    assert Topic.objects.filter(workspace=world.acme).count() == 4


def test_import_needs_exactly_one_source(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("taxonomy:import"), {})
    assert "file" in response.context["import_form"].errors
    upload = SimpleUploadedFile("t.json", b"\xff\xfe not utf8", content_type="application/json")
    response = client.post(reverse("taxonomy:import"), {"file": upload})
    assert response.status_code == 400 and "file" in response.context["import_form"].errors
