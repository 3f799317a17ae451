"""Reading tabular files: the rows of a CSV or XLSX export with the line numbers a spreadsheet
shows (read_rows, for a reader in one process); and a CSV file cut, without decoding it, into byte
ranges of whole records (_split_csv) that worker processes read and decode themselves (_read_chunk),
reporting the same line numbers as read_rows would. Pure Python (openpyxl for XLSX), no Django; the
appeals import and grid's residents import read their files through here (core.spreadsheet writes).

A file that cannot be read raises RowReadError, one line for the user (no traceback)."""
from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path


class RowReadError(Exception):
    """A user error about the file (not readable, wrong kind, bad text encoding): one line, no traceback."""


def read_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> tuple[list[str], Iterator[tuple[int, list]]]:
    """(header, iterator of (line number, values)) for CSV or XLSX; line numbers as a spreadsheet shows them."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RowReadError(f"{path.name} is not a readable XLSX file: {exc}") from None
        rows = book.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]

        def xlsx_rows():
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None for v in values):
                    continue
                yield number, ["" if v is None else v for v in values]
            book.close()

        return header, xlsx_rows()
    if suffix not in (".csv", ".txt", ".tsv"):
        raise RowReadError(f"{path.name}: only .csv and .xlsx files can be imported")
    csv.field_size_limit(50 * 1024 * 1024)
    handle = open(path, newline="", encoding=encoding)
    try:
        reader = csv.reader(handle, delimiter="\t" if suffix == ".tsv" else delimiter)
        header = [h.strip() for h in next(reader, [])]
    except UnicodeDecodeError:
        handle.close()
        raise RowReadError(f"{path.name} is not {encoding} text; set \"encoding\" in a mapping file") from None

    def csv_rows():
        last = reader.line_num
        try:
            for values in reader:
                start, last = last + 1, reader.line_num
                if values:
                    yield start, values
        except UnicodeDecodeError:
            raise RowReadError(f"{path.name}: bad {encoding} text after line {last}") from None
        finally:
            handle.close()

    return header, csv_rows()


#: Bytes read at a time when splitting a CSV file for the workers.
SPLIT_BLOCK = 1 << 22
#: Encodings in which the bytes of a line break, a quote or an ASCII delimiter never occur inside
#: another character, so a file in them can be cut into chunks without decoding it.
BYTE_SPLITTABLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "ascii", "iso8859-1",
                   "cp1252", "cp936", "cp950"}


def _byte_splittable(encoding: str, delimiter: str) -> bool:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in BYTE_SPLITTABLE and delimiter.isascii() and len(delimiter) == 1


def _file_lines(handle) -> Iterator[list[bytes]]:
    """The file's physical lines (ends kept, a line break being \\n, \\r\\n or \\r as csv reads
    them), a block of about SPLIT_BLOCK bytes at a time."""
    while data := handle.read(SPLIT_BLOCK):
        data += handle.readline()  # to the end of the line
        yield data.splitlines(True)


def _split_csv(path: Path, encoding: str, delimiter: str, chunk_rows: int,
               first_rows: int) -> Iterator[tuple[int, int, int, int]]:
    """(physical lines before the chunk, physical lines in it, its first byte, the byte after it):
    chunks of the data rows ending at record ends, so a worker reading those bytes parses the same
    records and reports the same line numbers as a serial import. A stretch of the file without a
    quote character has no record spanning lines, so it is cut at line ends undecoded; elsewhere
    csv.reader finds where each record ends (quoted line breaks included)."""
    csv.field_size_limit(50 * 1024 * 1024)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else delimiter
    size = min(first_rows, chunk_rows)
    base = count = 0  # lines before the chunk being filled, lines in it
    start = end = 0  # its bytes
    before = 0  # lines before the block
    with open(path, "rb") as handle:
        blocks = _file_lines(handle)
        for block in blocks:
            at = 0

            def feed():
                """The block's lines as text for csv.reader; a quoted line break carries the last
                record into the next block, which then joins this one."""
                nonlocal at, block
                while True:
                    while at < len(block):
                        at += 1
                        try:
                            yield block[at - 1].decode(encoding)
                        except UnicodeDecodeError:
                            raise RowReadError(f"{path.name}: bad {encoding} text at line {before + at}") from None
                    more = next(blocks, None)
                    if more is None:
                        return
                    block = block + more

            if before == 0:  # the header, parsed by read_rows already: skipped
                next(csv.reader(feed(), delimiter=delimiter), None)
                base = before = at
                start = end = sum(map(len, block[:at]))
                block, at = block[at:], 0
            if b'"' not in b"".join(block):  # one line, one record
                while at < len(block):
                    take = min(size - count, len(block) - at)
                    end += sum(map(len, block[at:at + take]))
                    count += take
                    at += take
                    if count >= size:
                        yield base, count, start, end
                        base, size, start, count = base + count, chunk_rows, end, 0
            else:
                done = 0
                for _ in csv.reader(feed(), delimiter=delimiter):
                    end += sum(map(len, block[done:at]))
                    count += at - done
                    done = at
                    if count >= size:
                        yield base, count, start, end
                        base, size, start, count = base + count, chunk_rows, end, 0
                    if at >= len(block):
                        break
                end += sum(map(len, block[done:at]))
                count += at - done
            before += len(block)
        if count:
            yield base, count, start, end


def _read_chunk(path: Path, encoding: str, base: int, start: int, end: int) -> str:
    """In a worker: the text of one chunk, read from the file."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = base + len((data[:exc.start] + b"x").splitlines())  # the lines up to the bad byte's own
        raise RowReadError(f"{path.name}: bad {encoding} text at line {line}") from None
