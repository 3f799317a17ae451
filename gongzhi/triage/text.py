"""Chinese text helpers shared by the triage models: normalisation, title/body split, CSV input.

Appeals and reviews are short, noisy Chinese texts. Word segmentation (jieba) runs at about
600 texts/s, too slow to classify inline at intake, and on these corpora it scores no better than
character n-grams, so the models here work on characters: normalise, mask what only identifies a
place or a number (A3区, 2019年), then let scikit-learn count character uni- and bigrams.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "normalize", "mask", "clean", "split_title", "join_fields",
    "read_csv_rows", "column_values", "CsvInputError",
]

_EXCEL_CR = re.compile(r"_x000[dD]_")
_SPACE = re.compile(r"\s+")
# Anonymised or real place codes ("A市", "A3区", "L9县") and Latin words carry no topic.
_LATIN_CODE = re.compile(r"[A-Za-z]+\d*[市区县镇]?")
_DIGITS = re.compile(r"\d+")


# Full-width ASCII and the ideographic space to their plain forms: the part of NFKC that matters
# for these texts, as a str.translate table (NFKC itself was the slowest step of prediction).
_HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


def normalize(text: str | None) -> str:
    """Full-width to half-width, drop Excel's carriage-return escapes, squeeze whitespace."""
    if not text:
        return ""
    text = str(text).translate(_HALF_WIDTH)
    text = _EXCEL_CR.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def mask(text: str) -> str:
    """Remove Latin place codes and collapse numbers, which otherwise become spurious features."""
    text = _LATIN_CODE.sub("", text)
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


def clean(text: str | None) -> str:
    return mask(normalize(text))


def split_title(text: str) -> tuple[str, str]:
    """An appeal arrives as "title\\ncontent"; a text without a newline is all content."""
    text = text or ""
    if "\n" in text:
        title, body = text.split("\n", 1)
        return title, body
    return "", text


def join_fields(values: Sequence[str | None]) -> str:
    """Join CSV fields (e.g. 留言主题, 留言详情) the way the platform does: first line is the title."""
    parts = [("" if v is None else str(v)).replace("\r", " ").replace("\n", " ").strip() for v in values]
    if len(parts) == 1:
        return parts[0]
    return parts[0] + "\n" + " ".join(p for p in parts[1:] if p)


class CsvInputError(ValueError):
    """The CSV cannot be used as asked (encoding, empty, missing column)."""


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise CsvInputError(f"{path}: not UTF-8 or GB18030 text") from None


def read_csv_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a CSV in UTF-8 (with or without BOM) or GB18030."""
    path = Path(path)
    text = _decode(path.read_bytes(), path)
    csv.field_size_limit(1 << 30)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CsvInputError(f"{path}: not a readable CSV ({exc})") from None
    if not rows:
        raise CsvInputError(f"{path}: empty file, expected a header row")
    header = [h.strip() for h in rows[0]]
    return header, rows[1:]


def column_values(header: list[str], rows: list[list[str]], name: str, path: str | Path) -> list[str]:
    """One column by name; a missing column is a one-line error listing what the file has."""
    try:
        i = header.index(name)
    except ValueError:
        shown = ",".join(header[:12]) + (",..." if len(header) > 12 else "")
        raise CsvInputError(f"{path}: no column {name!r} (columns: {shown})") from None
    return [row[i] if i < len(row) else "" for row in rows]


_BITS = 21  # every Unicode code point fits in 21 bits
_MASK = (1 << _BITS) - 1


def _codes(texts: Sequence[str]):
    """All texts' code points in one array, separated by 0, and where each text starts."""
    import numpy as np

    joined = "\0".join(t.replace("\0", "") for t in texts) + "\0"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(t.replace("\0", "")) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(texts) else np.zeros(0, dtype=np.int64)
    return cps, starts


def ngram_keys(texts: Sequence[str], max_n: int = 2):
    """Each character n-gram (n <= 3) as one int64 (code points packed 21 bits apart), with the
    index of its text. Packing lets numpy do the counting and vocabulary look-ups without making
    a Python string per n-gram, which is what keeps prediction at thousands of texts per second."""
    import numpy as np

    if max_n > 3:
        raise ValueError("character n-grams up to 3 only")
    if not len(texts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cps, starts = _codes(texts)
    doc = np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(np.append(starts, len(cps))))
    keys, rows = [], []
    ok = cps != 0
    keys.append(cps[ok])
    rows.append(doc[ok])
    if max_n >= 2 and len(cps) > 1:
        a, b = cps[:-1], cps[1:]
        ok = (a != 0) & (b != 0)
        keys.append((a[ok] << _BITS) | b[ok])
        rows.append(doc[:-1][ok])
    if max_n >= 3 and len(cps) > 2:
        a, b, c = cps[:-2], cps[1:-1], cps[2:]
        ok = (a != 0) & (b != 0) & (c != 0)
        keys.append((a[ok] << (2 * _BITS)) | (b[ok] << _BITS) | c[ok])
        rows.append(doc[:-2][ok])
    return np.concatenate(keys), np.concatenate(rows)


def key_to_text(key: int) -> str:
    key = int(key)
    out = []
    while key:
        out.append(chr(key & _MASK))
        key >>= _BITS
    return "".join(reversed(out))


def char_ngrams(text: str, max_n: int = 2) -> list[str]:
    """Character 1..max_n-grams as strings (for explanations and tests; models use ngram_keys)."""
    grams = list(text)
    for n in range(2, max_n + 1):
        grams.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return grams


class CharTfidf:
    """TF-IDF over character n-grams (sublinear tf, smoothed idf, l2-normalised rows): the same
    numbers as scikit-learn's ``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` on these
    texts, computed with numpy on packed n-gram keys, several times faster, and stored as two
    plain arrays (sorted keys, idf)."""

    def __init__(self, max_n: int = 2, min_df: int = 1, keys=None, idf=None):
        import numpy as np

        self.max_n = max_n
        self.min_df = min_df
        self.keys_ = None if keys is None else np.asarray(keys, dtype=np.int64)
        self.idf_ = None if idf is None else np.asarray(idf, dtype=np.float32)

    def __len__(self) -> int:
        return 0 if self.keys_ is None else len(self.keys_)

    def fit(self, texts: Sequence[str]) -> CharTfidf:
        import numpy as np

        keys, rows = ngram_keys(texts, self.max_n)
        # Document frequency: count each (text, n-gram) pair once.
        order = np.argsort(rows, kind="stable")
        keys, rows = keys[order], rows[order]
        bounds = np.searchsorted(rows, np.arange(len(texts) + 1))
        per_text = [np.unique(keys[bounds[i]:bounds[i + 1]]) for i in range(len(texts))]
        uniq, df = np.unique(np.concatenate(per_text) if per_text else keys, return_counts=True)
        keep = df >= self.min_df
        self.keys_ = uniq[keep]
        n = len(texts)
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]):
        import numpy as np
        import scipy.sparse as sp

        keys, rows = ngram_keys(texts, self.max_n)
        vocab = self.keys_
        col = np.searchsorted(vocab, keys)
        col[col >= len(vocab)] = 0
        hit = vocab[col] == keys if len(vocab) else np.zeros(len(keys), dtype=bool)
        # The counts of each (text, n-gram) in row-major order: the CSR matrix with summed
        # duplicates and sorted indices, built directly (scipy's COO route costs more than the
        # counting for the one text of an intake).
        width = max(len(vocab), 1)
        cells, counts = np.unique(rows[hit] * width + col[hit], return_counts=True)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(cells // width, minlength=len(texts)), out=indptr[1:])
        index = np.int32 if max(len(cells), width) < 2**31 else np.int64
        X = sp.csr_matrix((counts.astype(np.float32), (cells % width).astype(index), indptr.astype(index)),
                          shape=(len(texts), len(vocab)))
        X.data = (np.log(X.data) + 1.0) * self.idf_[X.indices]
        norms = np.sqrt(np.bincount(np.repeat(np.arange(len(texts)), np.diff(X.indptr)),
                                    weights=X.data.astype(np.float64) ** 2, minlength=len(texts)))
        norms[norms == 0] = 1.0
        X.data /= np.repeat(norms, np.diff(X.indptr)).astype(np.float32)
        return X

    def terms(self) -> list[str]:
        return [key_to_text(k) for k in self.keys_]


def write_model_files(directory: Path, arrays_name: str, arrays: dict, meta_name: str, meta: dict,
                      report: dict, report_name: str = "report.json") -> Path:
    """Write a model's arrays, metadata and report under temporary names first, then rename, so a
    crash never leaves a half-written model behind."""
    import numpy as np

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(d / (arrays_name + ".tmp.npz"), **arrays)
    (d / (meta_name + ".tmp")).write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    (d / (report_name + ".tmp")).write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    (d / (arrays_name + ".tmp.npz")).replace(d / arrays_name)
    (d / (meta_name + ".tmp")).replace(d / meta_name)
    (d / (report_name + ".tmp")).replace(d / report_name)
    return d
