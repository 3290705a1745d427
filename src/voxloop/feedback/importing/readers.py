"""Streaming readers of import files: rows with the number a person sees in the file.

Row numbers: CSV and XLSX count records the way a spreadsheet does (the header is row 1 when
it is the first row); JSONL counts lines. Every reader yields `SourceRow`s lazily, so memory
stays bounded whatever the size of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

FORMATS = ("csv", "xlsx", "jsonl")
DELIMITERS = (",", "\t", ";", "|")
SCAN_CHUNK = 1 << 20
_HEADER_WINDOW = 10
# A file whose non-ASCII bytes are mostly valid UTF-8 is UTF-8 with a few broken rows;
# one where they mostly are not is in a legacy encoding.
_UTF8_ERROR_RATIO = 0.05
_ASCII = bytes(range(128))
_SURROGATES = re.compile(r"[\udc80-\udcff]")

csv.field_size_limit(max(csv.field_size_limit(), 4 * 1024 * 1024))


class ReadError(ValueError):
    """The file as a whole cannot be read (the message says why and what to do)."""


@dataclass
class SourceRow:
    number: int
    values: dict[str, Any] | None  # column -> value; None when the row could not be read
    raw: str  # the row as read: JSON of the row, or the JSONL line verbatim
    error: str | None = None
    column: str = ""  # the column the error is in, when it is one column's


@dataclass
class FileInfo:
    format: str
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    estimated_rows: int | None = None
    notes: list[str] = field(default_factory=list)


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in FORMATS:
            raise ReadError(f"unknown format {declared!r}; use one of {', '.join(FORMATS)}")
        return declared
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".xls":
        raise ReadError("old .xls workbooks are not supported; save the file as .xlsx or CSV")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        utf8 = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        gb = codecs.getincrementaldecoder("gb18030")("strict")
        non_ascii = utf8_errors = 0
        gb_ok = True
        while chunk := fh.read(SCAN_CHUNK):
            non_ascii += len(chunk) - len(chunk.translate(None, _ASCII))
            utf8_errors += len(_SURROGATES.findall(utf8.decode(chunk)))
            if gb_ok:
                try:
                    gb.decode(chunk)
                except UnicodeDecodeError:
                    gb_ok = False
        utf8_errors += len(_SURROGATES.findall(utf8.decode(b"", final=True)))
        if gb_ok:
            try:
                gb.decode(b"", final=True)
            except UnicodeDecodeError:
                gb_ok = False
    if utf8_errors == 0 or (non_ascii and utf8_errors / non_ascii < _UTF8_ERROR_RATIO):
        return "utf-8"  # broken bytes, if any, reject their rows (see FeedbackIn)
    if gb_ok:
        return "gb18030"
    raise ReadError(
        "cannot tell the file's encoding (it is neither UTF-8 nor GB18030); "
        "pass the encoding explicitly, e.g. --encoding big5"
    )


def sniff_delimiter(sample: str) -> str:
    """The candidate that splits the first records into the same, largest number of fields."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample cut the last record
    text = "".join(lines[:50])
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delim) if r]
        except csv.Error:
            continue
        counts = counts[:20]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unique_columns(header: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for n, name in enumerate(header, start=1):
        label = "" if name is None else str(name).strip()
        label = label or f"column {n}"
        base, k = label, 2
        while label in out:
            label = f"{base} ({k})"
            k += 1
        out.append(label)
    return out


def _pick_header(candidates: list[tuple[int, list[Any]]], hint: Sequence[str]) -> int:
    """Index into candidates of the header row: one naming the mapped columns, or else
    the first row of text cells nearly as wide as the widest row (title rows are skipped)."""
    wanted = {h.strip() for h in hint if h}
    if wanted:
        for i, (_, cells) in enumerate(candidates):
            names = {str(c).strip() for c in cells if not _blank(c)}
            if wanted <= names:
                return i
    widest = max(sum(not _blank(c) for c in cells) for _, cells in candidates)
    for i, (_, cells) in enumerate(candidates):
        filled = [c for c in cells if not _blank(c)]
        distinct = len({str(c).strip() for c in filled})  # a merged title repeats one value
        if distinct >= max(1, 0.6 * widest) and all(isinstance(c, str) for c in filled):
            return i
    return 0


class TabularReader:
    """Shared header detection and row assembly for CSV and XLSX."""

    info: FileInfo
    _hint: Sequence[str]

    def _records(self) -> Iterator[tuple[int, list[Any] | None, str | None]]:
        raise NotImplementedError

    def _strict_width(self) -> bool:
        return True

    def _start(self) -> tuple[Iterator[tuple[int, list[Any] | None, str | None]], list[Any]]:
        records = self._records()
        head: list[tuple[int, list[Any]]] = []
        rest: list[tuple[int, list[Any] | None, str | None]] = []
        for number, cells, error in records:
            if cells is None or error:
                rest.append((number, cells, error))
                continue
            if all(_blank(c) for c in cells):
                continue
            head.append((number, cells))
            if len(head) >= _HEADER_WINDOW:
                break
        if not head:
            raise ReadError("the file has no header row and no data")
        index = _pick_header(head, self._hint)
        number, header = head[index]
        skipped = [n for n, _ in head[:index]]
        if skipped:
            self.info.notes.append(
                f"rows {skipped[0]}–{skipped[-1]} above the header (row {number}) were skipped"
            )
        self.info.header_row = number
        while header and _blank(header[-1]):
            header = header[:-1]
        self.info.columns = _unique_columns(header)
        buffered = sorted(
            [(n, c, None) for n, c in head[index + 1 :]] + [r for r in rest if r[0] > number],
            key=lambda r: r[0],
        )

        def chained() -> Iterator[tuple[int, list[Any] | None, str | None]]:
            yield from buffered
            yield from records

        return chained(), header

    def rows(self) -> Iterator[SourceRow]:
        records, _header = self._start()
        columns = self.info.columns
        width = len(columns)
        for number, cells, error in records:
            if cells is None or error:
                yield SourceRow(number, None, "", error or "the row cannot be read")
                continue
            while len(cells) > width and _blank(cells[-1]):
                cells = cells[:-1]
            if all(_blank(c) for c in cells):
                continue
            raw_values = {
                (columns[i] if i < width else f"column {i + 1}"): _jsonable(c)
                for i, c in enumerate(cells)
            }
            raw = json.dumps(raw_values, ensure_ascii=False, default=str)
            if self._strict_width() and len(cells) != width:
                yield SourceRow(
                    number,
                    None,
                    raw,
                    f"the row has {len(cells)} fields but the header has {width} columns "
                    "(an unquoted delimiter or a missing quote?)",
                )
                continue
            values = {columns[i]: (cells[i] if i < len(cells) else None) for i in range(width)}
            for i in range(width, len(cells)):  # a note beside the table (spreadsheets)
                values[f"column {i + 1}"] = cells[i]
            broken = next(
                (k for k, v in values.items() if isinstance(v, str) and _SURROGATES.search(v)),
                None,
            )
            if broken is not None:
                # Bytes that are not text in the file's encoding: the row cannot be stored
                # as read, so it is reported (with the bytes shown as U+FFFD) instead.
                yield SourceRow(
                    number,
                    None,
                    _SURROGATES.sub("\ufffd", raw),
                    "contains invalid UTF-8 (bytes that are not text in "
                    f"{self.info.encoding or 'the file'}'s encoding)",
                    column=broken,
                )
                continue
            yield SourceRow(number, values, raw)


class CsvReader(TabularReader):
    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        hint: Sequence[str] = (),
    ) -> None:
        self.path = path
        self._hint = hint
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ReadError(f"unknown encoding {encoding!r}") from None
        enc = encoding or detect_encoding(path)
        with self._open(enc) as fh:
            sample = fh.read(64 * 1024)
        if delimiter:
            delimiter = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(
                delimiter, delimiter
            )
            if len(delimiter) != 1:
                raise ReadError(f"the delimiter must be one character, not {delimiter!r}")
        self.info = FileInfo(
            "csv", [], encoding=enc, delimiter=delimiter or sniff_delimiter(sample)
        )
        self.info.estimated_rows = _count_lines(path)
        self._start_and_cache()

    def _open(self, encoding: str) -> io.TextIOWrapper:
        return self.path.open(encoding=encoding, errors="surrogateescape", newline="")

    def _start_and_cache(self) -> None:
        records, _ = self._start()  # fills info.columns / header_row
        del records
        if self.info.estimated_rows and self.info.header_row:
            self.info.estimated_rows = max(0, self.info.estimated_rows - self.info.header_row)

    def _records(self) -> Iterator[tuple[int, list[Any] | None, str | None]]:
        assert self.info.encoding is not None
        with self._open(self.info.encoding) as fh:
            reader = csv.reader(fh, delimiter=self.info.delimiter or ",")
            number = 0
            while True:
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield number, None, f"the row cannot be parsed as CSV: {exc}"
                    continue
                except UnicodeDecodeError as exc:
                    raise ReadError(
                        f"the file is not valid {self.info.encoding} near row {number} "
                        f"({exc.reason}); pass the right --encoding"
                    ) from None
                yield number, list(cells), None


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN_CHUNK):
            lines += chunk.count(b"\n")
    return lines


class JsonlReader:
    """One JSON object per line; a line that is not one is a rejected row."""

    def __init__(self, path: Path, *, encoding: str | None = None) -> None:
        self.path = path
        self.encoding = encoding or "utf-8"
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ReadError(f"unknown encoding {self.encoding!r}") from None
        columns: list[str] = []
        seen = 0
        for row in self._lines():
            if row.values is not None:
                for key in row.values:
                    if key not in columns:
                        columns.append(key)
                seen += 1
                if seen >= 200:
                    break
        if not columns:
            raise ReadError("the file has no JSON object lines")
        self.info = FileInfo(
            "jsonl", columns, encoding=self.encoding, estimated_rows=_count_lines(path)
        )

    def _lines(self) -> Iterator[SourceRow]:
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if number == 1 and line.startswith(codecs.BOM_UTF8):
                    line = line[3:]
                try:
                    text = line.decode(self.encoding).rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    yield SourceRow(
                        number,
                        None,
                        line.decode(self.encoding, "replace").rstrip("\r\n"),
                        f"the line is not valid {self.encoding} ({exc.reason})",
                    )
                    continue
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield SourceRow(number, None, text, f"the line is not valid JSON: {exc}")
                    continue
                if not isinstance(obj, dict):
                    yield SourceRow(number, None, text, "the line must be a JSON object ({...})")
                    continue
                yield SourceRow(number, obj, text)

    def rows(self) -> Iterator[SourceRow]:
        return self._lines()


class Reader(Protocol):
    info: FileInfo

    def rows(self) -> Iterator[SourceRow]: ...


def open_reader(
    path: Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    hint: Sequence[str] = (),
) -> Reader:
    """A reader positioned on the file, its columns known; ReadError if it cannot be read."""
    if not path.is_file():
        raise ReadError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise ReadError("the file is empty")
    fmt = detect_format(path, format)
    if fmt == "xlsx":
        from voxloop.feedback.importing.xlsx import XlsxReader

        return XlsxReader(path, sheet=sheet, hint=hint)
    if fmt == "jsonl":
        return JsonlReader(path, encoding=encoding)
    return CsvReader(path, encoding=encoding, delimiter=delimiter, hint=hint)
