"""A language named by the sender is validated, stored, and kept by analysis."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from voxloop.analysis import pipeline
from voxloop.feedback.importing.mapping import resolve_mapping, row_to_payload
from voxloop.feedback.models import FeedbackItem, Status
from voxloop.feedback.services.analyze import do_claim_pending
from voxloop.feedback.services.labels import do_bulk_action

pytestmark = pytest.mark.django_db


def _analysed(item_id: int) -> FeedbackItem:
    do_claim_pending()  # the immediate backend runs the analysis inline
    item = FeedbackItem.objects.get(pk=item_id)
    assert item.status == Status.ANALYZED
    return item


def test_given_language_is_kept_instead_of_detected(api: Any) -> None:
    res = api.post("/feedback", {"text": "送货太慢了", "language": "mixed"})
    assert res.status_code == 201, res.content
    item = FeedbackItem.objects.get(pk=res.json()["id"])
    assert item.language == "mixed"  # stored on arrival
    item = _analysed(item.pk)
    assert item.language == "mixed"
    assert api.get(f"/feedback/{item.pk}").json()["language"] == "mixed"


@pytest.mark.parametrize(
    "payload", [{"text": "送货太慢了"}, {"text": "送货太慢了", "language": ""}]
)
def test_absent_or_empty_language_is_detected(api: Any, payload: dict[str, Any]) -> None:
    res = api.post("/feedback", payload)
    assert res.status_code == 201, res.content
    assert _analysed(res.json()["id"]).language == "zh"


def test_given_language_survives_reanalysis(
    api: Any, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    item_id = api.post("/feedback", {"text": "The soup was cold", "language": "other"}).json()["id"]
    assert _analysed(item_id).language == "other"  # detection would say "en"
    with django_capture_on_commit_callbacks(execute=True):
        do_bulk_action(factories.actor(world.acme, world.alice), [item_id], "reanalyze")
    item = FeedbackItem.objects.get(pk=item_id)
    assert item.status == Status.ANALYZED and item.language == "other"


@pytest.mark.parametrize("bad", ["english", "ZH", "zh-CN", " en", "xx", 5, True, ["zh"], {"a": 1}])
def test_garbage_language_is_refused_naming_the_field(api: Any, bad: Any) -> None:
    res = api.post("/feedback", {"text": "soup was cold", "language": bad})
    assert res.status_code == 422, res.content
    assert any(e["field"] == "language" for e in res.json()["errors"]), res.json()
    assert not FeedbackItem.objects.exists()


def test_garbage_language_in_a_batch_rejects_only_that_item(api: Any) -> None:
    res = api.post(
        "/feedback/batch",
        {"items": [{"text": "ok", "language": "en"}, {"text": "bad", "language": "klingon"}]},
    )
    body = res.json()
    assert res.status_code == 200 and body["created"] == 1 and body["rejected"] == 1
    error = body["results"][1]["errors"][0]
    assert error["field"] == "language" and "'klingon' is not one of" in error["message"]


def test_pipeline_takes_known_languages() -> None:
    out = pipeline.analyze(["送货太慢了", "送货太慢了!"], languages=[None, "en"])
    assert [r.language for r in out] == ["zh", "en"]
    with pytest.raises(ValueError, match="languages"):
        pipeline.analyze(["a", "b"], languages=["en"])


@pytest.mark.parametrize(
    ("cell", "language", "metadata"),
    [
        ("zh-CN", "zh", None),
        ("English", "en", None),
        ("中英混合", "mixed", None),
        ("Deutsch", None, {"language": "Deutsch"}),
    ],
)
def test_import_language_column(cell: str, language: str | None, metadata: Any) -> None:
    m = resolve_mapping(["t", "lang"], {"text": "t", "language": "lang"}, guess=False)
    payload, problems = row_to_payload(m, {"t": "hello", "lang": cell})
    assert problems == [] and payload is not None
    assert payload.get("language") == language
    assert payload.get("metadata") == metadata
