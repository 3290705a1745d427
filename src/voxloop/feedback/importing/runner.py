"""Run an import: read rows, map them, store them in chunks through the ingest service."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from voxloop.accounts.actors import Actor
from voxloop.accounts.services import do_audit
from voxloop.feedback.importing.mapping import Mapping, content_key, row_to_payload
from voxloop.feedback.importing.readers import Reader, ReadError
from voxloop.feedback.models import Channel
from voxloop.feedback.services.ingest import check_feedback_batch, do_ingest_feedback

CHUNK_SIZE = 1_000  # the API batch limit: one transaction per chunk
KEPT_REJECTS = 1_000  # kept in memory / on the job; the report file has all of them

# The ingest schema's name of a field -> the mapping target it came from.
_ERROR_FIELDS = {
    "customer.external_id": "customer",
    "customer.name": "customer_name",
    "customer.email": "customer_email",
    "customer.segment": "segment",
}

Reject = dict[str, Any]  # {"row": n, "field": f, "column": c, "error": e, "raw": r}


@dataclass
class ImportSummary:
    rows: int = 0  # data rows seen (blank rows not counted)
    created: int = 0
    existing: int = 0
    valid: int = 0  # dry run: rows that would be stored or found
    rejected: int = 0  # rows
    rejects: list[Reject] = field(default_factory=list)  # the first KEPT_REJECTS problems
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "existing": self.existing,
            "valid": self.valid,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
        }


class RejectWriter:
    """The rejected-rows report: one CSV line per problem, the source row kept as JSON."""

    HEADER = ("row", "field", "column", "error", "source")

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream)
        self._writer.writerow(self.HEADER)

    def write(self, reject: Reject) -> None:
        self._writer.writerow(
            [
                reject["row"],
                _printable(reject["field"]),
                _printable(reject.get("column", "")),
                _printable(reject["error"]),
                _printable(reject.get("raw", "")),
            ]
        )


def _printable(value: Any) -> Any:
    """Undecodable bytes (kept as surrogates while reading) shown as U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


@dataclass
class _Row:
    number: int
    payload: dict[str, Any]
    raw: str
    key: str | None


def import_rows(
    actor: Actor,
    channel: Channel,
    reader: Reader,
    mapping: Mapping,
    *,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[ImportSummary], None] | None = None,
    report: RejectWriter | None = None,
    filename: str = "",
) -> ImportSummary:
    """Import every row; rejected rows are reported with row number, field and reason and
    the rest is kept. `dry_run` validates with the API's rules and stores nothing."""
    actor.require("feedback.import")
    if channel.workspace_id != actor.workspace.pk:
        raise ReadError("the channel belongs to another workspace")
    if not channel.is_active:
        raise ReadError(f"channel {channel.slug!r} is disabled; enable it first")
    summary = ImportSummary(dry_run=dry_run)
    chunk: list[_Row] = []
    targets = {column: target for target, column in mapping.columns.items()}

    def reject(number: int, fld: str, column: str, error: str, raw: str) -> None:
        item = {"row": number, "field": fld, "column": column, "error": error, "raw": raw}
        if len(summary.rejects) < KEPT_REJECTS:
            summary.rejects.append(item)
        if report is not None:
            report.write(item)

    def flush() -> None:
        if not chunk:
            return
        payloads = [r.payload for r in chunk]
        raws = [r.raw for r in chunk]
        keys = [r.key for r in chunk]
        if dry_run:
            valid, errors = check_feedback_batch(
                actor.workspace,
                payloads,
                raws=raws,
                default_channel=channel.slug,
                idempotency_keys=keys,
            )
            summary.valid += len(valid)
            results = errors
        else:
            results = do_ingest_feedback(
                actor,
                payloads,
                raws=raws,
                default_channel=channel.slug,
                idempotency_keys=keys,
            )
        for result in results:
            row = chunk[result.index]
            if result.status == "created":
                summary.created += 1
            elif result.status == "existing":
                summary.existing += 1
            else:
                summary.rejected += 1
                for err in result.errors:
                    target = _ERROR_FIELDS.get(err["field"], err["field"])
                    column = mapping.columns.get(target.split(".")[0], "")
                    reject(row.number, target, column, err["message"], row.raw)
        if not dry_run:
            summary.valid = summary.created + summary.existing
        chunk.clear()
        if on_progress is not None:
            on_progress(summary)

    for source in reader.rows():
        summary.rows += 1
        if source.values is None:
            summary.rejected += 1
            target = targets.get(source.column, "row") if source.column else "row"
            reject(source.number, target, source.column, source.error or "unreadable", source.raw)
            continue
        payload, problems = row_to_payload(mapping, source.values)
        if payload is None:
            summary.rejected += 1
            for p in problems:
                reject(source.number, p["field"], p["column"], p["message"], source.raw)
            continue
        key = None if "external_id" in payload else content_key(channel.pk, source.raw)
        chunk.append(_Row(source.number, payload, source.raw, key))
        if len(chunk) >= chunk_size:
            flush()
    flush()
    if not dry_run:
        do_audit(
            actor,
            "feedback.import",
            channel,
            after={"file": filename, **summary.as_dict()},
        )
    return summary
