"""`voxloop export` and the export download: all three formats, the API's filters, scoping."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from tests import factories
from voxloop.feedback.exporting import export_records, parse_filter
from voxloop.feedback.models import Channel, FeedbackTopic

pytestmark = pytest.mark.django_db


def _seed(world):
    delivery = factories.topic(world.acme, "Delivery", "配送")
    late = factories.topic(world.acme, "Late", "延迟", parent=delivery)
    web = Channel.objects.get(workspace=world.acme, slug="widget")
    now = datetime.now(UTC)
    bad = factories.item(
        world.acme,
        '=HYPERLINK("http://evil") 配送太慢',
        sentiment="negative",
        sentiment_score=-0.8,
        kind="complaint",
        status="analyzed",
        keyphrases=["配送", "太慢"],
        urgency=["refund"],
        redacted_text='=HYPERLINK("http://evil") 配送太慢',
        metadata={"store": "SH"},
        nps=2,
        occurred_at=now - timedelta(days=1),
    )
    FeedbackTopic.objects.create(item=bad, topic=late, source="keyword", confidence=0.9)
    good = factories.item(
        world.acme,
        "Lovely staff",
        channel=web,
        sentiment="positive",
        kind="praise",
        status="analyzed",
        occurred_at=now - timedelta(days=5),
    )
    dup = factories.item(world.acme, "配送太慢!!", status="duplicate", duplicate_of=bad)
    factories.item(world.globex, "globex secret")
    return bad, good, dup, delivery


def _export(tmp_path, name, **opts):
    out = tmp_path / name
    err = io.StringIO()
    call_command("export_feedback", out=str(out), workspace="acme", stderr=err, **opts)
    return out, err.getvalue()


def test_csv_export_has_analysis_fields_and_is_safe_for_spreadsheets(world, tmp_path):
    bad, good, dup, _ = _seed(world)
    out, err = _export(tmp_path, "all.csv")
    assert "exported 3 items" in err
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [int(r["id"]) for r in rows] == [bad.pk, good.pk, dup.pk]
    first = rows[0]
    assert first["text"].startswith("'=HYPERLINK")  # never a live formula
    assert first["sentiment"] == "negative" and first["sentiment_score"] == "-0.8"
    assert first["topics"] == "Late/延迟 (0.90)" and first["keyphrases"] == "配送; 太慢"
    assert first["urgency"] == "refund" and json.loads(first["metadata"]) == {"store": "SH"}
    assert rows[2]["duplicate_of"] == str(bad.pk) and rows[2]["status"] == "duplicate"
    assert "globex" not in out.read_text(encoding="utf-8-sig")


def test_jsonl_export_with_filters(world, tmp_path):
    bad, good, dup, delivery = _seed(world)
    out, _ = _export(tmp_path, "neg.jsonl", sentiment="negative")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [bad.pk]
    assert records[0]["topics"][0]["name_zh"] == "延迟" and records[0]["nps"] == 2
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    cases = [
        ({"channel": "widget"}, [good.pk]),
        ({"topic": str(delivery.pk)}, [bad.pk]),
        ({"kind": "praise"}, [good.pk]),
        ({"status": "duplicate"}, [dup.pk]),
        ({"q": "staff"}, [good.pk]),
        ({"since": since}, [bad.pk, dup.pk]),
    ]
    for opts, ids in cases:
        out, _ = _export(tmp_path, "f.jsonl", **opts)
        assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ids, opts


def test_xlsx_export_keeps_formulas_as_text(world, tmp_path):
    bad, *_ = _seed(world)
    out, _ = _export(tmp_path, "all.xlsx", customer="nobody")
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]][:3] == ["id", "channel", "external_id"]
    assert ws.max_row == 1  # filtered to nothing, header kept
    out, _ = _export(tmp_path, "all.xlsx")
    ws = openpyxl.load_workbook(out).active
    text_cell = ws.cell(row=2, column=7)
    assert text_cell.value.startswith("=HYPERLINK") and text_cell.data_type == "s"
    assert ws.cell(row=2, column=1).value == bad.pk and ws.max_row == 4


def test_export_errors_name_the_option(world, tmp_path):
    with pytest.raises(CommandError, match="--sentiment: 'angry' is not one of"):
        _export(tmp_path, "x.csv", sentiment="angry")
    with pytest.raises(CommandError, match="--since: unparseable date"):
        _export(tmp_path, "x.csv", since="yesterday")
    with pytest.raises(CommandError, match="cannot tell the format"):
        _export(tmp_path, "x.txt")
    with pytest.raises(CommandError, match="--workspace: no workspace"):
        call_command("export_feedback", out=str(tmp_path / "x.csv"), workspace="initech")


def test_export_needs_permission(world):
    vera = factories.actor(world.acme, world.vera)  # a viewer may not export
    with pytest.raises(PermissionDenied, match=r"feedback\.export"):
        list(export_records(vera, parse_filter("UTC", {})))
