"""The urgency filter: one selector behind the API, the inbox and exports, on SQLite and PG."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from voxloop.analysis.kinds import URGENCY
from voxloop.feedback import selectors
from voxloop.feedback.exporting import parse_filter
from voxloop.feedback.models import FeedbackItem

pytestmark = pytest.mark.django_db


def _seed(world: Any) -> dict[str, FeedbackItem]:
    acme = world.acme
    return {
        "churn": factories.item(acme, "I will cancel my subscription", urgency=["churn"]),
        "both": factories.item(acme, "refund or I go to the press", urgency=["churn", "media"]),
        "legal": factories.item(acme, "my lawyer will call", urgency=["legal"]),
        # the word is in the text and the metadata, but not a flag: must not match
        "none": factories.item(acme, 'the "churn" report', urgency=[], metadata={"x": "churn"}),
        "globex": factories.item(world.globex, "globex churn", urgency=["churn"]),
    }


def _ids(world: Any, flag: str) -> set[int]:
    f = selectors.FeedbackFilter(urgency=flag)
    return set(selectors.feedback_queryset(world.acme, f).values_list("pk", flat=True))


def test_flags_are_the_analysers_flags() -> None:
    assert selectors.URGENCY_FLAGS == tuple(URGENCY) == ("safety", "legal", "churn", "media")


def test_selector_matches_whole_flags_in_the_workspace(world: Any) -> None:
    items = _seed(world)
    assert _ids(world, "churn") == {items["churn"].pk, items["both"].pk}
    assert _ids(world, "media") == {items["both"].pk}
    assert _ids(world, "legal") == {items["legal"].pk}
    assert _ids(world, "safety") == set()


def test_selector_combines_with_other_filters(world: Any) -> None:
    items = _seed(world)
    f = selectors.FeedbackFilter(urgency="churn", q="press")
    assert list(selectors.feedback_queryset(world.acme, f)) == [items["both"]]


def test_selector_refuses_an_unknown_flag(world: Any) -> None:
    with pytest.raises(ValueError, match="urgency: 'chur' is not one of"):
        selectors.feedback_queryset(world.acme, selectors.FeedbackFilter(urgency="chur"))


def test_api_lists_by_urgency(api: Any, outsider_api: Any, world: Any) -> None:
    items = _seed(world)
    res = api.get("/feedback", urgency="churn")
    assert res.status_code == 200
    assert {i["id"] for i in res.json()["items"]} == {items["churn"].pk, items["both"].pk}
    assert all("churn" in i["urgency"] for i in res.json()["items"])
    theirs = outsider_api.get("/feedback", urgency="churn").json()["items"]
    assert [i["id"] for i in theirs] == [items["globex"].pk]


@pytest.mark.parametrize("bad", ["nope", "CHURN", '"churn"', "churn,media", "%"])
def test_api_refuses_an_unknown_flag_naming_the_field(api: Any, world: Any, bad: str) -> None:
    res = api.get("/feedback", urgency=bad)
    assert res.status_code == 422
    assert "urgency" in res.content.decode()


@pytest.mark.parametrize("name", ["sentiment", "kind", "status"])
def test_api_refuses_other_unknown_choices_naming_the_field(
    api: Any, world: Any, name: str
) -> None:
    res = api.get("/feedback", **{name: "angry"})
    assert res.status_code == 422
    assert f"{name}: 'angry' is not one of" in res.content.decode()


def test_inbox_filters_by_urgency(client: Any, world: Any) -> None:
    items = _seed(world)
    client.force_login(world.alice)
    body = client.get("/inbox/", {"urgency": "media"}).content.decode()
    assert "press" in body and "lawyer" not in body and "cancel my" not in body
    assert client.get("/inbox/", {"urgency": "nope"}).status_code == 400
    assert items["none"].text not in client.get("/inbox/", {"urgency": "churn"}).content.decode()


def test_export_filters_by_urgency(world: Any, tmp_path: Any) -> None:
    items = _seed(world)
    out = tmp_path / "churn.jsonl"
    call_command(
        "export_feedback", out=str(out), workspace="acme", urgency="churn", stderr=io.StringIO()
    )
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == [items["churn"].pk, items["both"].pk]
    with pytest.raises(CommandError, match="--urgency: 'x' is not one of"):
        call_command("export_feedback", out=str(out), workspace="acme", urgency="x")
    assert parse_filter("UTC", {"urgency": " legal "}).urgency == "legal"


def test_export_page_filters_by_urgency(client: Any, world: Any) -> None:
    items = _seed(world)
    client.force_login(world.alice)
    page = client.get("/feedback/export/").content.decode()
    assert 'name="urgency"' in page and "Churn risk" in page
    res = client.get("/feedback/export/", {"format": "jsonl", "urgency": "legal"})
    lines = b"".join(res.streaming_content).decode().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [items["legal"].pk]
    bad = client.get("/feedback/export/", {"format": "csv", "urgency": "loud"})
    assert bad.status_code == 400 and "urgency" in bad.content.decode()
