"""Import readers and mapping on their own: encodings, delimiters, XLSX merges, JSONL lines."""

from __future__ import annotations

import json
from datetime import datetime

import openpyxl
import pytest

from voxloop.feedback.importing.mapping import (
    MappingError,
    parse_map_spec,
    resolve_mapping,
    row_to_payload,
)
from voxloop.feedback.importing.readers import ReadError, detect_encoding, open_reader

# Spreadsheet cells hold naive times; the import puts them in the workspace's zone.
NAIVE_10AM = datetime(2026, 1, 2, 10, 0)  # noqa: DTZ001
NAIVE_JAN2 = datetime(2026, 1, 2)  # noqa: DTZ001
NAIVE_JAN3 = datetime(2026, 1, 3)  # noqa: DTZ001
ZH_ROWS = [
    ["评论内容", "推荐度", "日期"],
    ["配送太慢了", "3", "2026-01-02"],
    ["很好，谢谢", "9", ""],
]


def _csv(path, rows, delimiter=",", encoding="utf-8"):
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _rows(reader):
    return [(r.number, r.values, r.error) for r in reader.rows()]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_encodings_are_detected(tmp_path, encoding, expected):
    path = _csv(tmp_path / "f.csv", ZH_ROWS, encoding=encoding)
    reader = open_reader(path)
    assert reader.info.encoding == expected
    assert reader.info.columns == ["评论内容", "推荐度", "日期"]  # no BOM left in the header
    rows = _rows(reader)
    assert rows[0] == (2, {"评论内容": "配送太慢了", "推荐度": "3", "日期": "2026-01-02"}, None)
    assert rows[1][1]["评论内容"] == "很好，谢谢"


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    rows = [["text", "nps", "note"], ["late, again", "2", "x"], ["fine", "8", "y"]]
    body = "\n".join(
        delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in r) for r in rows
    )
    path = tmp_path / "f.csv"
    path.write_text(body + "\n", encoding="utf-8")
    reader = open_reader(path)
    assert reader.info.delimiter == delimiter
    assert [r[1]["text"] for r in _rows(reader)] == ["late, again", "fine"]


def test_quoted_newlines_and_row_numbers(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('text,nps\n"line one\nline two",5\nplain,6\n', encoding="utf-8")
    rows = _rows(open_reader(path))
    assert rows[0][1]["text"] == "line one\nline two"
    assert [r[0] for r in rows] == [2, 3]  # records, as a spreadsheet numbers them


def test_broken_row_in_the_middle_is_named_and_the_rest_read(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("text,nps\nok one,5\nbroken, extra,5\nok two,6\n", encoding="utf-8")
    rows = _rows(open_reader(path))
    assert [r[0] for r in rows] == [2, 3, 4]
    assert rows[1][1] is None and "3 fields but the header has 2" in rows[1][2]
    assert rows[2][1] == {"text": "ok two", "nps": "6"}


def test_invalid_utf8_in_one_row_keeps_utf8_and_marks_the_bytes(tmp_path):
    path = tmp_path / "f.csv"
    good = "".join(f"配送很快{i},9\n" for i in range(50)).encode()
    path.write_bytes(b"text,nps\n" + good + b"bad \xff\xfe byte,3\n")
    assert detect_encoding(path) == "utf-8"
    last = list(open_reader(path).rows())[-1]
    assert last.values is None and last.column == "text" and "invalid UTF-8" in last.error
    assert "bad \ufffd\ufffd byte" in last.raw  # the report shows what could be read


def test_undetectable_encoding_asks_for_one(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"text\n" + bytes(range(128, 256)) * 4 + b"\n")
    with pytest.raises(ReadError, match="--encoding"):
        open_reader(path)


def test_title_row_above_header_is_skipped(tmp_path):
    path = _csv(tmp_path / "f.csv", [["Feedback export March"], ["text", "nps"], ["hi", "3"]])
    reader = open_reader(path)
    assert reader.info.header_row == 2 and reader.info.columns == ["text", "nps"]
    assert _rows(reader) == [(3, {"text": "hi", "nps": "3"}, None)]


def test_xlsx_merged_cells_carry_their_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["三月反馈", None, None])  # a title merged across the columns
    ws.merge_cells("A1:C1")
    ws.append(["评论内容", "日期", "推荐度"])
    ws.append(["配送慢", NAIVE_10AM, 3])
    ws.append(["包装破损", None, 4])
    ws.append(["客服好", NAIVE_JAN3, 9])
    ws.merge_cells("B3:B4")  # one date for two rows
    path = tmp_path / "f.xlsx"
    wb.save(path)
    reader = open_reader(path)
    assert reader.info.header_row == 2
    assert reader.info.columns == ["评论内容", "日期", "推荐度"]
    assert any("merged" in n for n in reader.info.notes)
    rows = _rows(reader)
    assert [r[0] for r in rows] == [3, 4, 5]
    assert rows[1][1] == {"评论内容": "包装破损", "日期": NAIVE_10AM, "推荐度": 4}


def test_jsonl_broken_line_is_a_rejected_row(tmp_path):
    path = tmp_path / "f.jsonl"
    lines = [json.dumps({"text": "one", "nps": 5}), '{"text": "two", nps: }', "[1, 2]", ""]
    lines.append(json.dumps({"text": "三", "extra": {"a": 1}}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = open_reader(path)
    assert reader.info.columns == ["text", "nps", "extra"]
    rows = list(reader.rows())
    assert [r.number for r in rows] == [1, 2, 3, 5]
    assert rows[1].values is None and "not valid JSON" in rows[1].error
    assert rows[2].error == "the line must be a JSON object ({...})"
    assert rows[3].raw == lines[4]  # kept verbatim


def test_empty_file_and_old_xls_are_refused(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        open_reader(tmp_path / "e.csv")
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ReadError, match=r"\.xlsx"):
        open_reader(tmp_path / "x.xls")


def test_map_spec_and_mapping_errors_name_the_column():
    assert parse_map_spec("text=评论内容,nps=推荐度") == {"text": "评论内容", "nps": "推荐度"}
    with pytest.raises(MappingError, match="unknown target 'score'"):
        parse_map_spec("score=x")
    with pytest.raises(MappingError, match="not target=column"):
        parse_map_spec("text")
    with pytest.raises(MappingError, match=r"no column named '推荐'.*评论内容, 推荐度"):
        resolve_mapping(["评论内容", "推荐度"], {"nps": "推荐"})
    with pytest.raises(MappingError, match="no column for text"):
        resolve_mapping(["a", "b"], {})
    with pytest.raises(MappingError, match="customer_name needs customer"):
        resolve_mapping(["t", "n"], {"text": "t", "customer_name": "n"})


def test_guessing_zh_and_en_headers():
    m = resolve_mapping(["评论内容", "推荐度", "日期", "会员ID", "渠道"], {})
    assert m.columns == {
        "text": "评论内容",
        "nps": "推荐度",
        "occurred_at": "日期",
        "customer": "会员ID",
    }
    m = resolve_mapping(["Review ID", "Comment", "Rating", "Name"], {})
    assert m.columns == {"text": "Comment", "external_id": "Review ID", "stars": "Rating"}


def test_row_to_payload_converts_and_reports_fields():
    m = resolve_mapping(
        ["t", "n", "d", "c", "seg", "src"],
        {
            "text": "t",
            "nps": "n",
            "occurred_at": "d",
            "customer": "c",
            "segment": "seg",
            "metadata.source": "src",
        },
        guess=False,
    )
    payload, problems = row_to_payload(
        m, {"t": 12, "n": 9.0, "d": NAIVE_JAN2, "c": 1001.0, "seg": "VIP", "src": "app"}
    )
    assert problems == []
    assert payload == {
        "text": "12",
        "nps": 9,
        "occurred_at": "2026-01-02T00:00:00",
        "customer": {"external_id": "1001", "segment": "VIP"},
        "metadata": {"source": "app"},
    }
    _, problems = row_to_payload(m, {"t": "x", "n": "十", "d": "", "c": "", "seg": "", "src": ""})
    assert problems == [{"field": "nps", "column": "n", "message": "'十' is not a whole number"}]
