"""The export page: downloads in three formats with filters, permissions, bad filters."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _body(res):
    return b"".join(res.streaming_content)


def test_downloads_with_filters(client, world):
    neg = factories.item(world.acme, "配送太慢", sentiment="negative", status="analyzed")
    factories.item(world.acme, "great", sentiment="positive", status="analyzed")
    factories.item(world.globex, "globex secret", sentiment="negative")
    client.force_login(world.alice)
    url = reverse("feedback:export")
    assert client.get(url).status_code == 200  # the form
    res = client.get(url, {"format": "csv", "sentiment": "negative"})
    assert res.status_code == 200 and res["Content-Type"].startswith("text/csv")
    assert "attachment" in res["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(res).decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(neg.pk)] and rows[0]["text"] == "配送太慢"
    res = client.get(url, {"format": "jsonl"})
    ids = [json.loads(line)["id"] for line in _body(res).decode().splitlines()]
    assert len(ids) == 2 and neg.pk in ids
    res = client.get(url, {"format": "xlsx", "q": "great"})
    ws = openpyxl.load_workbook(io.BytesIO(_body(res))).active
    assert ws.max_row == 2 and ws.cell(row=2, column=7).value == "great"


def test_bad_filters_name_the_field(client, world):
    client.force_login(world.alice)
    url = reverse("feedback:export")
    for params, needle in [
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "since": "soon"}, "since: unparseable date"),
        ({"format": "csv", "topic": "abc"}, "topic: &#x27;abc&#x27; is not a topic id"),
        ({"format": "csv", "status": "gone"}, "status: &#x27;gone&#x27; is not one of"),
    ]:
        res = client.get(url, params)
        assert res.status_code == 400 and needle in res.content.decode(), params


def test_permissions(client, world):
    factories.item(world.acme, "acme only")
    url = reverse("feedback:export")
    client.force_login(world.vera)  # viewers may not export
    assert client.get(url, {"format": "csv"}).status_code == 403
    client.force_login(world.charlie)  # the outsider exports only globex
    res = client.get(url, {"format": "csv"})
    assert res.status_code == 200 and "acme only" not in _body(res).decode("utf-8-sig")
