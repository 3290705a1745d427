"""`voxloop import`: files in, rejected rows named, nothing twice, dry runs store nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from voxloop.accounts.models import AuditLog
from voxloop.customers.models import Customer
from voxloop.feedback.models import FeedbackItem

pytestmark = pytest.mark.django_db

HEADER = ["评论内容", "推荐度", "日期", "会员ID", "渠道"]
MAP = "text=评论内容,nps=推荐度,occurred_at=日期,customer=会员ID"


def _write(path, rows, encoding="utf-8", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _import(path, *extra, **opts):
    out, err = io.StringIO(), io.StringIO()
    opts.setdefault("workspace", "acme")
    opts.setdefault("no_progress", True)
    call_command("import_feedback", str(path), *extra, stdout=out, stderr=err, **opts)
    return out.getvalue()


def _rows():
    return [
        HEADER,
        ["配送太慢了，等了两个小时", "3", "2026-01-02 10:00", "M1", "app"],
        ["客服态度很好", "9", "2026/01/03", "M2", "web"],
        ["包装破损", "11", "2026-01-04", "M3", "app"],  # nps out of range
        ["退款很快", "8", "明天", "M1", "app"],  # unparseable date
        ["", "5", "2026-01-05", "M4", "app"],  # text missing
        ["Delivery was late", "2", "2026-01-05T08:00:00+08:00", "", "app"],
    ]


def test_csv_import_keeps_valid_rows_and_names_rejected_ones(world, tmp_path):
    path = _write(tmp_path / "reviews.csv", _rows())
    out = _import(path, map=[MAP])
    assert "6 rows read: 3 created, 0 already there, 3 rejected" in out
    assert "row 4: nps [推荐度]: Input should be less than or equal to 10" in out
    assert "row 5: occurred_at [日期]: unparseable date '明天'" in out
    assert "row 6: text [评论内容]: text must not be empty" in out
    items = FeedbackItem.objects.filter(workspace=world.acme, channel__slug="import")
    assert items.count() == 3
    first = items.get(text="配送太慢了，等了两个小时")
    assert first.nps == 3 and first.customer.external_id == "M1"
    assert first.occurred_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)  # acme is in UTC
    assert json.loads(first.raw_payload) == dict(zip(HEADER, _rows()[1], strict=True))
    assert Customer.objects.filter(workspace=world.acme).count() == 2
    assert not FeedbackItem.objects.filter(workspace=world.globex).exists()
    assert AuditLog.objects.filter(workspace=world.acme, action="feedback.import").count() == 1


def test_reimport_creates_no_duplicates(world, tmp_path):
    path = _write(tmp_path / "reviews.csv", _rows())
    _import(path, map=[MAP])
    out = _import(path, map=[MAP])
    assert "3 created" not in out and "0 created, 3 already there, 3 rejected" in out
    assert FeedbackItem.objects.filter(workspace=world.acme).count() == 3
    # The same rows in another file (re-exported with one more row) are found again too.
    rows = _rows()
    rows.append(["新的一条反馈", "7", "2026-01-06", "M5", "app"])
    out = _import(_write(tmp_path / "again.csv", rows), map=[MAP])
    assert "1 created, 3 already there" in out


def test_external_id_mapping_is_idempotent(world, tmp_path):
    rows = [["id", "comment"], ["r1", "first"], ["r2", "second"], ["r1", "first, edited"]]
    out = _import(_write(tmp_path / "f.csv", rows))  # both columns guessed
    assert "2 created, 1 already there" in out
    assert set(FeedbackItem.objects.values_list("external_id", flat=True)) == {"r1", "r2"}


def test_dry_run_stores_nothing_and_reports_every_rejected_row(world, tmp_path):
    rows = [["text", "stars"]] + [["ok", "3"]] * 5 + [["bad", str(6 + i)] for i in range(60)]
    out = _import(_write(tmp_path / "f.csv", rows), dry_run=True)
    assert "dry run: 65 rows read, 5 valid, 60 rejected; nothing was stored" in out
    for n in range(7, 67):
        assert f"row {n}: stars [stars]:" in out
    assert not FeedbackItem.objects.exists()
    assert not AuditLog.objects.filter(action="feedback.import").exists()


def test_gb18030_semicolon_file(world, tmp_path):
    rows = [["评论", "满意度"], ["快递员很负责", "5"], ["等太久了；不满意", "1"]]
    _import(_write(tmp_path / "gbk.csv", rows, encoding="gb18030", delimiter=";"))
    assert sorted(FeedbackItem.objects.values_list("text", "csat")) == [
        ("快递员很负责", 5),
        ("等太久了；不满意", 1),
    ]


def test_bom_tab_file_with_control_characters(world, tmp_path):
    rows = [["text", "nps"], ["fine", "5"], ["bell\x07ring", "5"], ["also fine", "6"]]
    out = _import(_write(tmp_path / "f.tsv", rows, encoding="utf-8-sig", delimiter="\t"))
    assert "2 created" in out and "row 3: text [text]: contains control characters" in out


def test_xlsx_import_with_merged_cells(world, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["评论内容", "日期", "会员ID", "会员等级"])
    ws.append(["配送慢", datetime(2026, 1, 2, 9, 30), 1001, "VIP"])  # noqa: DTZ001
    ws.append(["包装破损", None, 1002, "普通"])
    ws.merge_cells("B2:B3")
    ws.append(["星级五星", datetime(2026, 1, 3), None, None])  # noqa: DTZ001
    path = tmp_path / "f.xlsx"
    wb.save(path)
    out = _import(path, map=["text=评论内容,occurred_at=日期,customer=会员ID,segment=会员等级"])
    assert "3 created" in out
    item = FeedbackItem.objects.get(text="包装破损")
    assert item.occurred_at == datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    assert item.customer.external_id == "1002" and item.customer.segment == "普通"
    assert FeedbackItem.objects.get(text="星级五星").customer is None


def test_jsonl_with_a_broken_line_and_metadata(world, tmp_path):
    lines = [
        json.dumps({"text": "one", "nps": 9, "store": "SH-01"}),
        '{"text": "two", "nps": ',
        json.dumps({"text": "three", "nps": "7", "store": "BJ-02"}),
    ]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _import(path, keep_unmapped=True)
    assert "2 created" in out and "row 2: row: the line is not valid JSON" in out
    item = FeedbackItem.objects.get(text="one")
    assert item.metadata == {"store": "SH-01"} and item.raw_payload == lines[0]


def test_rejects_report_file(world, tmp_path):
    report = tmp_path / "rejects.csv"
    _import(_write(tmp_path / "f.csv", _rows()), map=[MAP], rejects=str(report))
    lines = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert [(r["row"], r["field"]) for r in lines] == [
        ("4", "nps"),
        ("5", "occurred_at"),
        ("6", "text"),
    ]
    assert json.loads(lines[0]["source"])["评论内容"] == "包装破损"


def test_future_dates_are_rejected(world, tmp_path):
    soon = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    out = _import(_write(tmp_path / "f.csv", [["text", "date"], ["hi", soon]]))
    assert "row 2: occurred_at [date]: is in the future" in out


def test_command_errors_name_what_is_wrong(world, tmp_path):
    path = _write(tmp_path / "f.csv", _rows())
    with pytest.raises(CommandError, match=r"no column named '推荐'.*columns are: 评论内容"):
        _import(path, map=["text=评论内容,nps=推荐"])
    with pytest.raises(CommandError, match="unknown target 'score'"):
        _import(path, map=["score=推荐度"])
    with pytest.raises(CommandError, match="--channel: no channel 'nope'"):
        _import(path, channel="nope")
    with pytest.raises(CommandError, match="--workspace: no workspace"):
        _import(path, workspace="initech")
    with pytest.raises(CommandError, match="no such file"):
        _import(tmp_path / "missing.csv")
    assert not FeedbackItem.objects.exists()


def test_long_text_and_invalid_utf8_rows_are_rejected(world, tmp_path):
    path = tmp_path / "f.csv"
    good = "".join(f"配送很快 {i},9\n" for i in range(30)).encode()
    long_row = ("x" * 20_001 + ",5\n").encode()
    path.write_bytes(b"text,nps\n" + good + long_row + b"bad \xff byte,3\n" + b"last,4\n")
    out = _import(path)
    assert "31 created" in out
    assert "row 32: text [text]: is 20,001 characters long; the limit is 20,000" in out
    assert "row 33: text [text]: contains invalid UTF-8" in out


def test_customer_details_are_upserted(world, tmp_path):
    rows = [
        ["会员ID", "姓名", "邮箱", "会员等级", "评论"],
        ["M9", "王芳", "fang@example.com", "VIP", "送货准时"],
        ["M9", "王芳", "not-an-email", "VIP", "第二条"],
    ]
    out = _import(
        _write(tmp_path / "f.csv", rows),
        map=["customer=会员ID,customer_name=姓名,customer_email=邮箱,segment=会员等级"],
    )
    assert "1 created" in out and "row 3: customer_email [邮箱]: is not an email address" in out
    customer = Customer.objects.get(workspace=world.acme, external_id="M9")
    assert (customer.name, customer.email, customer.segment) == ("王芳", "fang@example.com", "VIP")
