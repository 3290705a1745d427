"""Exporting feedback with its analysis fields to CSV, JSONL or XLSX, streamed in id order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from voxloop.accounts.actors import Actor
from voxloop.feedback import selectors
from voxloop.feedback.models import FeedbackItem, Kind, Sentiment, Status
from voxloop.feedback.schemas import parse_datetime

EXPORT_FORMATS = ("csv", "jsonl", "xlsx")
FILTER_FIELDS = (
    "channel",
    "since",
    "until",
    "sentiment",
    "topic",
    "kind",
    "status",
    "q",
    "customer",
)
COLUMNS = (
    "id",
    "channel",
    "external_id",
    "customer",
    "occurred_at",
    "received_at",
    "text",
    "redacted_text",
    "language",
    "nps",
    "csat",
    "ces",
    "stars",
    "status",
    "sentiment",
    "sentiment_score",
    "kind",
    "urgency",
    "topics",
    "keyphrases",
    "duplicate_of",
    "metadata",
)
_CHUNK = 1_000
# A spreadsheet runs a cell starting with one of these as a formula; feedback text is written
# by customers, so CSV cells get a leading apostrophe (OWASP's advice against CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_USER_TEXT = {"text", "redacted_text", "external_id", "customer", "keyphrases", "metadata"}


def parse_filter(tz: str, params: Mapping[str, Any]) -> selectors.FeedbackFilter:
    """The API's filters from strings; ValueError naming the field when one is malformed."""

    def get(name: str) -> str | None:
        value = params.get(name)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    unknown_choice = {
        "sentiment": Sentiment.values,
        "kind": Kind.values,
        "status": Status.values,
        "urgency": list(selectors.URGENCY_FLAGS),
    }
    for name, choices in unknown_choice.items():
        value = get(name)
        if value is not None and value not in choices:
            raise ValueError(f"{name}: {value!r} is not one of {', '.join(choices)}")
    dates = {}
    for name in ("since", "until"):
        value = get(name)
        try:
            dates[name] = parse_datetime(value, tz) if value else None
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    topic = get("topic")
    if topic is not None and not topic.isdigit():
        raise ValueError(f"topic: {topic!r} is not a topic id")
    return selectors.FeedbackFilter(
        channel=get("channel"),
        since=dates["since"],
        until=dates["until"],
        sentiment=get("sentiment"),
        topic=int(topic) if topic else None,
        kind=get("kind"),
        status=get("status"),
        q=get("q"),
        customer=get("customer"),
        urgency=get("urgency"),
    )


def export_records(actor: Actor, f: selectors.FeedbackFilter) -> Iterator[dict[str, Any]]:
    """One dict per item (oldest first), fetched in chunks so memory stays flat."""
    actor.require("feedback.export")
    raw = actor.can("feedback.view_raw")
    qs = selectors.with_related(selectors.feedback_queryset(actor.workspace, f).order_by("id"))
    for item in qs.iterator(chunk_size=_CHUNK):
        yield _record(item, raw)


def _record(item: FeedbackItem, raw: bool) -> dict[str, Any]:
    return {
        "id": item.pk,
        "channel": item.channel.slug,
        "external_id": item.external_id,
        "customer": item.customer.external_id if item.customer is not None else None,
        "occurred_at": item.occurred_at.isoformat(),
        "received_at": item.received_at.isoformat(),
        "text": item.text if raw or not item.redacted_text else item.redacted_text,
        "redacted_text": item.redacted_text,
        "language": item.language,
        "nps": item.nps,
        "csat": item.csat,
        "ces": item.ces,
        "stars": item.stars,
        "status": item.status,
        "sentiment": item.sentiment,
        "sentiment_score": item.sentiment_score,
        "kind": item.kind,
        "urgency": item.urgency,
        "topics": [
            {
                "id": link.topic_id,
                "name_en": link.topic.name_en,
                "name_zh": link.topic.name_zh,
                "confidence": round(link.confidence, 4),
                "source": link.source,
            }
            for link in item.topic_links.all()
        ],
        "keyphrases": item.keyphrases,
        "duplicate_of": item.duplicate_of_id,
        "metadata": item.metadata,
    }


def flat(record: dict[str, Any]) -> list[Any]:
    """A record as one spreadsheet row: lists joined with "; ", objects as JSON."""
    out: list[Any] = []
    for name in COLUMNS:
        value = record[name]
        if name == "topics":
            value = "; ".join(
                f"{t['name_en']}/{t['name_zh']} ({t['confidence']:.2f})" for t in value
            )
        elif name in {"keyphrases", "urgency"}:
            value = "; ".join(
                v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value
            )
        elif name == "metadata":
            value = json.dumps(value, ensure_ascii=False) if value else ""
        out.append("" if value is None else value)
    return out


def _csv_safe(row: list[Any]) -> list[Any]:
    return [
        f"'{v}" if name in _USER_TEXT and isinstance(v, str) and v.startswith(_FORMULA_START) else v
        for name, v in zip(COLUMNS, row, strict=True)
    ]


def write_csv(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    n = 0
    for record in records:
        writer.writerow(_csv_safe(flat(record)))
        n += 1
    return n


def write_jsonl(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    n = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_xlsx(records: Iterable[dict[str, Any]], path: Path) -> int:
    """A write-only workbook: rows go to disk as they come. Every text cell is stored as
    text, so a customer's "=..." never becomes a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("feedback")
    ws.append(list(COLUMNS))
    n = 0
    for record in records:
        cells = []
        for value in flat(record):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
        n += 1
    wb.save(path)
    return n


def export_to_file(actor: Actor, f: selectors.FeedbackFilter, fmt: str, out: Path | TextIO) -> int:
    """Write the export; returns how many items went out."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    records = export_records(actor, f)
    if fmt == "xlsx":
        if not isinstance(out, Path):
            raise ValueError("an XLSX export needs a file, not a stream")
        return write_xlsx(records, out)
    if isinstance(out, Path):
        # A BOM makes Excel read the CSV as UTF-8 (Chinese stays readable); JSONL has none.
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with out.open("w", newline="", encoding=encoding) as stream:
            return (write_csv if fmt == "csv" else write_jsonl)(records, stream)
    return (write_csv if fmt == "csv" else write_jsonl)(records, out)


def stream_chunks(actor: Actor, f: selectors.FeedbackFilter, fmt: str) -> Iterator[bytes]:
    """CSV or JSONL as bytes, a few hundred rows at a time (for a streaming HTTP answer)."""
    buf = io.StringIO()
    records = export_records(actor, f)
    if fmt == "csv":
        buf.write("\ufeff")
        writer = csv.writer(buf)
        writer.writerow(COLUMNS)
    for n, record in enumerate(records, start=1):
        if fmt == "csv":
            writer.writerow(_csv_safe(flat(record)))
        else:
            buf.write(json.dumps(record, ensure_ascii=False) + "\n")
        if n % 500 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")
