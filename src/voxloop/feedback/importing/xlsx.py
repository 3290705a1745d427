"""XLSX reading: the first (or a named) sheet, streamed with openpyxl's read-only mode."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voxloop.feedback.importing.readers import (
    SCAN_CHUNK,
    FileInfo,
    ReadError,
    TabularReader,
)

_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


@dataclass
class _Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int
    value: Any = None


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str) -> list[_Merge]:
    """Merged ranges, found by streaming the sheet XML (read-only openpyxl omits them)."""
    merges: list[_Merge] = []
    tail = b""
    with archive.open(sheet_path) as fh:
        while chunk := fh.read(SCAN_CHUNK):
            buf = tail + chunk
            end = 0
            for m in _MERGE_REF.finditer(buf):
                c1, r1, c2, r2 = m.groups()
                merges.append(_Merge(int(r1), _col_index(c1), int(r2), _col_index(c2)))
                end = m.end()
            tail = buf[max(end, len(buf) - 200) :]
    return sorted(merges, key=lambda m: (m.min_row, m.min_col))


class XlsxReader(TabularReader):
    """First sheet (or the named one). Merged cells: the merge's value is carried to every
    cell of the merge, as a person reading the sheet sees it."""

    def __init__(self, path: Path, *, sheet: str | None = None, hint: Sequence[str] = ()) -> None:
        import openpyxl

        self.path = path
        self._hint = hint
        self._sheet = sheet
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ReadError(f"the file is not a readable .xlsx workbook ({exc})") from None
        try:
            ws = self._worksheet(wb)
            self.info = FileInfo("xlsx", [])
            self.info.estimated_rows = ws.max_row
            self._merges = _merged_ranges(wb._archive, ws._worksheet_path)
        finally:
            wb.close()
        if self._merges:
            self.info.notes.append(
                f"{len(self._merges)} merged cell range(s): each cell of a merge gets its value"
            )
        self._start()
        if self.info.estimated_rows and self.info.header_row:
            self.info.estimated_rows = max(0, self.info.estimated_rows - self.info.header_row)

    def _worksheet(self, wb: Any) -> Any:
        if self._sheet is None:
            return wb.worksheets[0]
        if self._sheet not in wb.sheetnames:
            raise ReadError(
                f"no sheet named {self._sheet!r}; the sheets are: {', '.join(wb.sheetnames)}"
            )
        return wb[self._sheet]

    def _strict_width(self) -> bool:
        return False  # rows end at their last filled cell; notes beside the table are kept

    def _records(self) -> Iterator[tuple[int, list[Any] | None, str | None]]:
        import openpyxl

        wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            ws = self._worksheet(wb)
            pending = list(self._merges)
            active: list[_Merge] = []
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(row)
                while pending and pending[0].min_row <= number:
                    active.append(pending.pop(0))
                if active:
                    for m in active:
                        if len(cells) < m.max_col:
                            cells += [None] * (m.max_col - len(cells))
                        if number == m.min_row:
                            m.value = cells[m.min_col - 1]
                        for col in range(m.min_col - 1, m.max_col):
                            cells[col] = m.value
                    active = [m for m in active if m.max_row > number]
                yield number, cells, None
        finally:
            wb.close()
