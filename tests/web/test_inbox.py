"""The inbox list: filters as in the API, counts, chips, htmx partials, roles and outsiders."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_home_sends_signed_in_users_to_the_inbox(login: Any, world: Any) -> None:
    assert login(world.bob).get("/").url == "/inbox/"


def test_home_and_inbox_need_sign_in(client: Any, db: Any) -> None:
    assert client.get("/").url.startswith("/login/")
    assert client.get("/inbox/").url.startswith("/login/")


@pytest.mark.parametrize("who", ["alice", "bob", "vera"])
def test_members_see_the_workspace_feedback(login: Any, world: Any, inbox: Any, who: str) -> None:
    response = login(getattr(world, who)).get("/inbox/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Terrible delivery" in body
    assert "价格很实惠" in body
    assert "Globex secret feedback" not in body
    assert "<strong>4</strong> items" in body


def test_outsider_sees_only_their_own_workspace(login: Any, world: Any, inbox: Any) -> None:
    body = login(world.charlie).get("/inbox/").content.decode()
    assert "Globex secret feedback" in body
    assert "Terrible delivery" not in body
    assert "价格很实惠" not in body


def test_viewer_reads_redacted_text_owner_reads_original(
    login: Any, world: Any, inbox: Any
) -> None:
    assert "[PHONE]" in login(world.vera).get("/inbox/").content.decode()
    assert "13800138000" not in login(world.vera).get("/inbox/").content.decode()
    assert "13800138000" in login(world.alice).get("/inbox/").content.decode()


def test_chips_show_sentiment_type_topic_urgency_duplicate_junk(
    login: Any, world: Any, inbox: Any
) -> None:
    body = login(world.bob).get("/inbox/").content.decode()
    for chip in [
        'class="chip s-negative">Negative',
        'class="chip kind">Complaint',
        'class="chip topic ts-negative">Late delivery',
        'class="chip urgent">Churn risk',
        'class="chip dup">1 duplicate',
        'class="chip dup">Duplicate',
        'class="chip junk">Junk',
    ]:
        assert chip in body, chip


@pytest.mark.parametrize(
    ("params", "present", "absent"),
    [
        ({"sentiment": "positive"}, ["价格很实惠"], ["Terrible delivery"]),
        ({"kind": "complaint"}, ["Terrible delivery"], ["价格很实惠", "asdfasdf"]),
        ({"status": "junk"}, ["asdfasdf"], ["Terrible delivery"]),
        ({"channel": "nps"}, ["价格很实惠"], ["Terrible delivery"]),
        ({"customer": "C-1"}, ["call me at"], ["价格很实惠", "asdfasdf"]),
        ({"q": "terrible"}, ["Terrible delivery"], ["价格很实惠"]),
        ({"urgency": "churn"}, ["call me at"], ["Terrible delivery!", "价格很实惠"]),
    ],
)
def test_filters(
    login: Any,
    world: Any,
    inbox: Any,
    params: dict[str, str],
    present: list[str],
    absent: list[str],
) -> None:
    response = login(world.bob).get("/inbox/", params)
    assert response.status_code == 200
    body = response.content.decode()
    for text in present:
        assert text in body, text
    for text in absent:
        assert text not in body, text


def test_topic_filter_includes_subtopics(login: Any, world: Any, inbox: Any) -> None:
    body = login(world.bob).get("/inbox/", {"topic": inbox.delivery.pk}).content.decode()
    assert "call me at" in body
    assert "价格很实惠" not in body


def test_date_range_is_whole_days(login: Any, world: Any, inbox: Any) -> None:
    day = inbox.praise_item.occurred_at.date().isoformat()
    body = login(world.bob).get("/inbox/", {"since": day, "until": day}).content.decode()
    assert "价格很实惠" in body
    assert "call me at" not in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sentiment": "furious"}, "Sentiment: Select a valid choice"),
        ({"kind": "rant"}, "Type: Select a valid choice"),
        ({"topic": "abc"}, "Topic: Select a valid choice"),
        ({"topic": "999999"}, "Topic: Select a valid choice"),
        ({"channel": "nope"}, "Channel: Select a valid choice"),
        ({"status": "lost"}, "Status: Select a valid choice"),
        ({"urgency": "now"}, "Urgency: Select a valid choice"),
        ({"since": "yesterday"}, "From: Enter a valid date"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "To: The end date is before"),
        ({"cursor": "garbage!"}, "This page link is not valid"),
        ({"q": "x" * 300}, "Search: Ensure this value has at most 200"),
    ],
)
def test_bad_filter_values_get_a_clear_message(
    login: Any, world: Any, inbox: Any, params: dict[str, str], message: str
) -> None:
    response = login(world.bob).get("/inbox/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_htmx_request_gets_the_results_partial(login: Any, world: Any, inbox: Any) -> None:
    response = login(world.bob).get(
        "/inbox/", {"sentiment": "negative"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Terrible delivery" in body
    assert "HX-Request" in response["Vary"]
    restore = login(world.bob).get(
        "/inbox/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_cursor_pagination_keeps_filters(login: Any, world: Any, inbox: Any) -> None:
    from tests import factories
    from voxloop.web.views.inbox import PAGE_SIZE

    for n in range(PAGE_SIZE + 3):
        factories.item(world.acme, f"bulk filler {n}", sentiment="neutral")
    client = login(world.bob)
    first = client.get("/inbox/", {"sentiment": "neutral"})
    next_url = first.context["next_url"]
    assert next_url and "sentiment=neutral" in next_url and "cursor=" in next_url
    assert first.context["total"] == PAGE_SIZE + 4  # + the junk item
    second = client.get(next_url)
    assert len(second.context["rows"]) == 4
    assert second.context["next_url"] is None
    shown = {r.item.pk for r in first.context["rows"]} | {r.item.pk for r in second.context["rows"]}
    assert len(shown) == PAGE_SIZE + 4


def test_inbox_query_count_does_not_grow_with_items(
    login: Any, world: Any, inbox: Any, django_assert_max_num_queries: Any
) -> None:
    from tests import factories
    from voxloop.feedback.models import FeedbackTopic

    for n in range(40):
        item = factories.item(world.acme, f"more feedback {n}", sentiment="negative")
        FeedbackTopic.objects.create(item=item, topic=inbox.price, source="keyword")
    client = login(world.alice)
    client.get("/inbox/")  # warm the session
    with django_assert_max_num_queries(10):
        response = client.get("/inbox/", {"sentiment": "negative"})
    assert len(response.context["rows"]) == 42
