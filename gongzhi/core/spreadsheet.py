"""Files people open in Excel or LibreOffice, written safely. Every CSV and XLSX writer of the platform
goes through here; pure Python (no Django), so the file-based analysis CLIs use it too.

- Formula injection (OWASP "CSV injection"): a text cell that starts with = + - @ tab or CR is taken
  by spreadsheets as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). In CSV such a cell gets a
  leading single quote; in XLSX it is written as a text cell with the quote-prefix flag (what Excel
  itself stores when someone types a leading apostrophe: shown as typed, never evaluated, even after
  editing), so the cell holds exactly the appellant's text.
- Control characters: XML 1.0 (and so XLSX, and every XML feed) cannot hold most C0 controls; a single
  one makes openpyxl raise and an XML parser stop with "invalid token". Writers remove exactly what
  XML 1.0 forbids (C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF).
- A failed export leaves no partial or empty file: `atomic_write` writes a temporary file in the
  same folder and renames it over the target only when everything was written.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def strip_control_characters(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (so also fit for XLSX)."""
    return CONTROL_CHARACTERS_RE.sub("", text) if CONTROL_CHARACTERS_RE.search(text) else text


def csv_cell(value: Any) -> Any:
    """One CSV cell: text cleaned of control characters and quoted against formula injection."""
    if not isinstance(value, str) or not value:
        return value
    value = strip_control_characters(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class _Writer:
    """csv.writer with every cell through csv_cell."""

    def __init__(self, handle: IO[str], **kwargs):
        self._writer = csv.writer(handle, **kwargs)
        self.dialect = self._writer.dialect

    def writerow(self, row: Iterable) -> Any:
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **kwargs) -> _Writer:
    """Like csv.writer(handle, **kwargs), safe to open in a spreadsheet."""
    return _Writer(handle, **kwargs)


class DictWriter(csv.DictWriter):
    """Like csv.DictWriter, safe to open in a spreadsheet."""

    def writerow(self, rowdict: dict) -> Any:
        return super().writerow({k: csv_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[dict]) -> None:
        for row in rowdicts:
            self.writerow(row)


def xlsx_cell(sheet, value: Any) -> Any:
    """A value for `sheet.append` on an openpyxl write-only sheet: text cleaned of the characters XLSX
    cannot hold, and formula-like text as a quote-prefixed text cell, never a formula."""
    if not isinstance(value, str) or not value:
        return value
    value = strip_control_characters(value)
    if not value.startswith(FORMULA_TRIGGERS):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
    cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values: Iterable) -> list:
    return [xlsx_cell(sheet, v) for v in values]


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kwargs) -> Iterator[IO]:
    """Open a temporary file beside `path`; on success it replaces `path`, on any error it is removed
    (an existing `path` is then left as it was)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_UMASK)  # as open() would have made it (mkstemp makes it 0600)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_copy(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy `source` over `target` so that a reader sees the old file or the new one, never half of one."""
    with atomic_write(target, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)
