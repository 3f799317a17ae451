"""The classifier's category-tree keyword features and its sparse-matrix helpers (pure NumPy/SciPy)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .text import normalize

_TREE_SPLIT = re.compile(r"[、，,;；/和及与()（）\s]+")


def tree_keywords(rows: Iterable[Sequence[str]], labels: Sequence[str]) -> dict[str, list[str]]:
    """Keywords per category from a category tree: rows of (first-level name, sub-category names...).

    The names of a category's sub- and sub-sub-categories (e.g. 城乡建设 > 物业管理, 拆迁安置) are
    words a citizen uses about it; in cross-validation their presence as features added about a point
    of accuracy. Names are split at 、/和/及 and "其他" is ignored; roots outside ``labels`` are dropped.
    """
    wanted = set(labels)
    found: dict[str, set[str]] = {lab: set() for lab in labels}
    for row in rows:
        if not row:
            continue
        root = str(row[0]).strip()
        if root not in wanted:
            continue
        for name in row[1:]:
            for word in _TREE_SPLIT.split(normalize(name or "")):
                if len(word) >= 2 and word != "其他" and word != root:
                    found[root].add(word)
    return {lab: sorted(words) for lab, words in found.items() if words}


def keyword_bigrams(keywords: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Character bigrams of each category's keywords that no other category's keywords contain.

    Tree names are rarely written verbatim (城市公共设施), but their parts are (公共, 设施); a bigram
    that belongs to one category only is a cheap, softer match. Added about another point in CV."""
    from collections import Counter

    per = {lab: {w[i:i + 2] for w in words for i in range(len(w) - 1)} for lab, words in keywords.items()}
    seen = Counter(b for grams in per.values() for b in grams)
    return {lab: frozenset(b for b in grams if seen[b] == 1) for lab, grams in per.items()}


def _pack(gram: str) -> int:
    """The int64 key ``text.ngram_keys`` gives a 1-3 character n-gram."""
    key = 0
    for ch in gram:
        key = (key << 21) | ord(ch)
    return key


def _lookup(keys: np.ndarray, rows: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (text row, position in the sorted ``table``) pairs for keys found in ``table``."""
    if len(table) == 0 or len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = np.searchsorted(table, keys)
    pos[pos >= len(table)] = 0
    hit = table[pos] == keys
    pairs = np.unique(rows[hit] * len(table) + pos[hit])
    return pairs // len(table), pairs % len(table)


def _hstack_rows(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
    """``sp.hstack(blocks, format="csr")`` for CSR blocks with sorted indices, without scipy's COO
    round trip: each row is its blocks' rows side by side, columns shifted by the widths before."""
    n = blocks[0].shape[0]
    offsets = np.cumsum([0] + [b.shape[1] for b in blocks])
    counts = np.stack([np.diff(b.indptr) for b in blocks])  # (blocks, rows)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=indptr[1:])
    index = np.int32 if max(int(indptr[-1]), int(offsets[-1])) < 2**31 else np.int64
    indices = np.empty(int(indptr[-1]), dtype=index)
    data = np.empty(int(indptr[-1]), dtype=np.result_type(*[b.dtype for b in blocks]))
    start = indptr[:-1].copy()
    for b, offset, count in zip(blocks, offsets, counts):
        # where each of this block's entries goes: its row's start so far, plus its place in the row
        rows = np.repeat(np.arange(n), count)
        within = np.arange(len(b.indices)) - np.repeat(b.indptr[:-1], count)
        at = start[rows] + within
        indices[at] = b.indices + offset
        data[at] = b.data
        start += count
    return sp.csr_matrix((data, indices, indptr.astype(index)), shape=(n, int(offsets[-1])))
