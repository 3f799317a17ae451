"""Duplicate detection at intake: earlier appeals by the same person and near-duplicate texts.

Runs inline, so a query must not scan the year of appeals already stored. Three sub-linear channels:

* same person: a dict from the normalised user key (phone number or account) to its appeals;
* near-duplicate text: MinHash signatures of character 3-gram shingles, banded into an LSH table
  (32 bands x 4 rows: a pair with Jaccard 0.5 collides in some band with probability 0.87, a pair at
  0.05 with probability 0.0002), so only colliding appeals are compared;
* resubmitted title: a dict from the normalised title (long enough to be specific) to its appeals.

A near-duplicate must also be about the same place: two complaints built from the same template
about different 小区 are not one issue (see ``places.py``).

One problem posted hundreds of times fills the same buckets: a query looks at the latest
``probe_cap`` appeals of each bucket, of the person and of the title (the newest repeats are the ones a
dispatcher merges with), so its cost does not grow with the size of a hot issue.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

import numpy as np

from .places import extract_places, place_keys, shared_places

__all__ = ["Appeal", "DuplicateCandidate", "DuplicateIndex", "MinHasher", "parse_time", "normalise_user",
           "normalise_text", "shingle_hashes", "exact_jaccard"]

_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
                 "%Y/%m/%d", "%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")


def parse_time(value) -> datetime | None:
    """Dates as the platforms write them: 2019/3/7 18:32:24, 2019-12-20 14:06:19, 2019/07/21."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text:
        return None
    text = text.replace("T", " ").split(".")[0]
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


@dataclass
class Appeal:
    """The plain data the triage analyses need from an appeal."""

    id: str
    text: str  # subject and details together
    time: datetime | None = None
    user: str | None = None  # phone number or account key of the appellant
    title: str = ""
    support: int = 0  # support votes (点赞数), where the channel has them


_DROP_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")


def normalise_text(text: str) -> str:
    """Keep only CJK, letters and digits: punctuation and spacing differ between reposts."""
    return _DROP_RE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def normalise_user(user) -> str | None:
    """A phone number compares by its last 11 digits (+86, spaces and dashes vary); accounts as written."""
    if user is None:
        return None
    text = unicodedata.normalize("NFKC", str(user)).strip()
    if not text or text.lower() in ("nan", "none", "匿名", "anonymous"):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 7 and re.fullmatch(r"[\d\s+\-()]+", text):
        return "tel:" + digits[-11:]
    return "id:" + text.lower()


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def shingle_hashes(text: str, k: int = 3) -> np.ndarray:
    """Distinct 32-bit hashes of the character k-grams of the normalised text (vectorised, no loop)."""
    norm = normalise_text(text)
    if not norm:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        codes = np.concatenate([codes, np.zeros(k - len(codes), dtype=np.uint64)])
    h = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            h = h * np.uint64(1_000_003) + codes[i: len(codes) - k + 1 + i]
        # splitmix-style finaliser so neighbouring code points spread over the whole range
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
    return np.unique(h & np.uint64(0xFFFFFFFF))


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


class MinHasher:
    """Universal hashing (a*x + b) mod p with p = 2^32 - 5; fixed seed so signatures compare across processes.

    x < 2^32 and a, b < p keep a*x + b below 2^64, so uint64 arithmetic is exact.
    """

    PRIME = np.uint64(4294967291)

    def __init__(self, num_perm: int = 128, seed: int = 20200101):
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.a = rng.integers(1, int(self.PRIME), size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, int(self.PRIME), size=num_perm, dtype=np.uint64)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        if len(hashes) == 0:
            return np.full(self.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        values = (np.outer(self.a, hashes) + self.b[:, None]) % self.PRIME
        return values.min(axis=1).astype(np.uint32)


@dataclass
class DuplicateCandidate:
    id: str
    similarity: float  # estimated Jaccard of character 3-grams, 0..1
    reasons: list[str] = field(default_factory=list)  # same_user | near_duplicate | same_title
    time: datetime | None = None
    shared_places: list[str] = field(default_factory=list)

    @property
    def is_duplicate_text(self) -> bool:
        return "near_duplicate" in self.reasons or "same_title" in self.reasons

    def explain(self) -> str:
        """Chinese reason line for the dispatcher's merge prompt."""
        words = {"same_user": "同一留言人", "near_duplicate": f"内容高度相似({self.similarity:.0%})",
                 "same_title": "标题相同"}
        text = "，".join(words[r] for r in self.reasons if r in words)
        if self.shared_places:
            text += "，同一地点：" + "、".join(self.shared_places)
        return text


_MIN_TITLE_CHARS = 6


class DuplicateIndex:
    """Incremental index of appeals; ``query`` finds earlier ones an intake should be merged with."""

    def __init__(self, window_days: float = 365, threshold: float = 0.5, num_perm: int = 128,
                 bands: int = 32, seed: int = 20200101, probe_cap: int = 256):
        if bands <= 0 or num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.window = window_days * 86400.0
        self.threshold = threshold
        self.probe_cap = probe_cap
        self.bands = bands
        self.rows = num_perm // bands
        self.hasher = MinHasher(num_perm, seed)
        self._band_mult = np.random.default_rng(seed + 1).integers(1, 1 << 62, size=self.rows, dtype=np.uint64) | np.uint64(1)
        self._sigs = np.zeros((1024, num_perm), dtype=np.uint32)
        self._times = np.zeros(1024, dtype=np.float64)
        self._ids: list[str] = []
        self._places: list[frozenset[str]] = []
        self._buckets: dict[int, int | list[int]] = {}
        self._by_user: dict[str, list[int]] = {}
        self._by_title: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    # -- features ---------------------------------------------------------------------------
    def _features(self, appeal: Appeal, places: Iterable[str] | None):
        sig = self.hasher.signature(shingle_hashes(appeal.text))
        with np.errstate(over="ignore"):
            keys = (sig.reshape(self.bands, self.rows).astype(np.uint64) * self._band_mult).sum(axis=1)
            keys = keys * np.uint64(64) + np.arange(self.bands, dtype=np.uint64)  # band number in the key
        if places is None:
            places = place_keys(extract_places(appeal.text))
        title = normalise_text(appeal.title)
        return sig, keys.tolist(), frozenset(places), title if len(title) >= _MIN_TITLE_CHARS else None

    @staticmethod
    def _stamp(appeal: Appeal) -> float:
        return appeal.time.timestamp() if appeal.time is not None else float("nan")

    # -- writes -----------------------------------------------------------------------------
    def add(self, appeal: Appeal, places: Iterable[str] | None = None) -> None:
        self._add(appeal, *self._features(appeal, places))

    def _add(self, appeal, sig, keys, place_set, title) -> None:
        n = len(self._ids)
        if n == len(self._times):
            self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs)])
            self._times = np.concatenate([self._times, np.zeros_like(self._times)])
        self._sigs[n] = sig
        self._times[n] = self._stamp(appeal)
        self._ids.append(str(appeal.id))
        self._places.append(place_set)
        for key in keys:
            old = self._buckets.get(key)
            if old is None:
                self._buckets[key] = n  # most buckets hold one appeal: no list for them
            elif isinstance(old, int):
                self._buckets[key] = [old, n]
            else:
                old.append(n)
        user = normalise_user(appeal.user)
        if user:
            self._by_user.setdefault(user, []).append(n)
        if title:
            self._by_title.setdefault(title, []).append(n)

    # -- reads ------------------------------------------------------------------------------
    def query(self, appeal: Appeal, places: Iterable[str] | None = None, limit: int = 20,
              include_same_user: bool = True) -> list[DuplicateCandidate]:
        return self._query(appeal, *self._features(appeal, places), limit=limit,
                           include_same_user=include_same_user)

    def check(self, appeal: Appeal, places: Iterable[str] | None = None, limit: int = 20) -> list[DuplicateCandidate]:
        """Intake: the candidates for this appeal, then index it."""
        feats = self._features(appeal, places)
        found = self._query(appeal, *feats, limit=limit)
        self._add(appeal, *feats)
        return found

    def _query(self, appeal, sig, keys, place_set, title, limit=20, include_same_user=True):
        cap = self.probe_cap
        lsh: set[int] = set()
        for key in keys:
            hit = self._buckets.get(key)
            if hit is None:
                continue
            if isinstance(hit, int):
                lsh.add(hit)
            else:
                lsh.update(hit[-cap:])
        user = normalise_user(appeal.user)
        same_user = self._by_user.get(user, [])[-cap:] if (user and include_same_user) else []
        same_title = self._by_title.get(title, [])[-cap:] if title else []
        same_user_set, same_title_set = set(same_user), set(same_title)
        pool = np.fromiter(lsh | same_user_set | same_title_set, dtype=np.int64)
        if len(pool) == 0:
            return []
        stamp = self._stamp(appeal)
        if stamp == stamp:  # not NaN: keep appeals within the window (undated ones pass)
            dt = np.abs(self._times[pool] - stamp)
            pool = pool[~(dt > self.window)]
        own = str(appeal.id)
        sims = (self._sigs[pool] == sig).mean(axis=1) if len(pool) else np.zeros(0)
        # Most similar first (ties in pool order, as a stable sort of the results would leave them):
        # text duplicates rank before same-person ones, so the search stops at `limit` of them.
        order = np.argsort(-sims, kind="stable")
        out: list[DuplicateCandidate] = []
        texts = 0
        for idx, sim in zip(pool[order].tolist(), sims[order].tolist()):
            near, by_user, by_title = sim >= self.threshold, idx in same_user_set, idx in same_title_set
            if not (near or by_user or by_title) or self._ids[idx] == own:
                continue
            shared = shared_places(place_set, self._places[idx])
            places_clash = bool(place_set) and bool(self._places[idx]) and not shared
            why = []
            if by_user:
                why.append("same_user")
            if near and not places_clash:
                why.append("near_duplicate")
            if by_title and not places_clash:
                why.append("same_title")
            if not why:
                continue
            t = self._times[idx]
            cand = DuplicateCandidate(self._ids[idx], round(float(sim), 3), why,
                                      datetime.fromtimestamp(t) if t == t else None, sorted(shared))
            out.append(cand)
            if cand.is_duplicate_text:
                texts += 1
                if texts >= limit:
                    break
        out.sort(key=lambda c: not c.is_duplicate_text)
        return out[:limit]

    def brute_force_query(self, appeal: Appeal, places: Iterable[str] | None = None) -> list[DuplicateCandidate]:
        """The same decision by comparing with every stored signature: the baseline the index must beat."""
        sig, _keys, place_set, title = self._features(appeal, places)
        n = len(self._ids)
        sims = (self._sigs[:n] == sig).mean(axis=1)
        out = []
        for idx in np.nonzero(sims >= self.threshold)[0].tolist():
            if self._ids[idx] == str(appeal.id):
                continue
            if place_set and self._places[idx] and not shared_places(place_set, self._places[idx]):
                continue
            out.append(DuplicateCandidate(self._ids[idx], float(sims[idx]), ["near_duplicate"]))
        return out
