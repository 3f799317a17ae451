"""Locating a typed place: the names of the platform's territory (subdistricts, communities, grids,
roads, compounds, landmarks) matched against what an operator types, plus coordinates when given.

Pure Python (no Django): the platform adapts its rows to `Entry` (triage/desk.py) and asks
`Gazetteer.suggest`. A name found whole in the text beats a name the text only begins ("柳岸"
while typing 柳岸路), a longer name beats a shorter one, and among equals the more precise kind
wins (a compound with its grid before the road, the road before the community).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .places import normalise

__all__ = ["Entry", "Match", "Gazetteer", "parse_coordinates", "KINDS"]

# Most precise first: the rank of a kind among names matched equally well.
KINDS = ("compound", "landmark", "grid", "road", "community", "subdistrict")
_PRECISION = {kind: len(KINDS) - i for i, kind in enumerate(KINDS)}
# Generic endings a caller often leaves out ("柳岸" for 柳岸社区, "清河" for 清河街道).
_GENERIC_ENDINGS = ("社区", "街道", "小区", "村委会", "村", "镇", "乡")
_DROP_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
_MIN_STEM = 2


@dataclass(frozen=True)
class Entry:
    """One name of the territory, with where it is."""

    key: str                      # stable id, e.g. "grid:5", "region:3", "place:7"
    name: str
    kind: str                     # one of KINDS
    context: str = ""             # where it lies, for the person choosing ("清河街道 柳岸社区")
    region_id: int | None = None  # the community (or subdistrict) it belongs to
    grid_id: int | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    how: str                      # "whole" (the name is in the text), "stem" (without its ending), "prefix"


def _fold(text: str) -> str:
    return _DROP_RE.sub("", normalise(text)).lower()


def _stem(name: str) -> str:
    for ending in _GENERIC_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= _MIN_STEM:
            return name[: -len(ending)]
    return name


class Gazetteer:
    """The names, folded once; `suggest` scans them all (5,000 names: 0.8 ms per typed place,
    bench/desk.py), which the desk's debounce (one request per pause in typing) affords."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = [e for e in entries if _fold(e.name)]
        self._folded = [(e, _fold(e.name), _stem(_fold(e.name))) for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def suggest(self, typed: str, limit: int = 8) -> list[Match]:
        """The entries the typed location names or begins to name, best first."""
        text = _fold(typed)
        if len(text) < _MIN_STEM:
            return []
        tail = _fold(re.split(r"[\s,，、;；]+", normalise(typed).strip())[-1] if typed.strip() else "")
        found: list[Match] = []
        for entry, name, stem in self._folded:
            precision = _PRECISION.get(entry.kind, 0) / 10
            if name in text:
                found.append(Match(entry, 100 + len(name) + precision, "whole"))
            elif stem != name and stem in text:
                found.append(Match(entry, 60 + len(stem) + precision, "stem"))
            elif len(tail) >= _MIN_STEM and (name.startswith(tail) or (len(tail) >= 3 and tail in name)):
                found.append(Match(entry, 20 + len(tail) + precision - len(name) / 100, "prefix"))
        # A name inside a longer name found whole ("石桥" in "石桥路") adds nothing; a community whose
        # stem the road's name holds (柳岸社区 for 柳岸路) stays, after it, as where the road may be.
        whole = {m.entry.name for m in found if m.how == "whole"}
        found = [m for m in found if not any(m.entry.name != w and m.entry.name in w for w in whole)]
        found.sort(key=lambda m: (-m.score, m.entry.name, m.entry.key))
        return found[:limit]


# "30.2551, 120.1123", "120.1123,30.2551", "N30.25 E120.11", "纬度30.25 经度120.11"
_NUMBER_PAIR_RE = re.compile(r"(-?\d{1,3}\.\d{2,})\s*[,，\s/]\s*[A-Za-z经度：:]*\s*(-?\d{1,3}\.\d{2,})")


def parse_coordinates(typed: str) -> tuple[float, float] | None:
    """(lat, lon) when the text holds a decimal coordinate pair, in either order (a latitude is
    within ±90, so a pair whose first number is beyond it is longitude first); None otherwise."""
    text = normalise(typed)
    text = re.sub(r"[NnEe北东]|纬度|经度|[：:]", " ", text)
    m = _NUMBER_PAIR_RE.search(text)
    if not m:
        return None
    a, b = float(m.group(1)), float(m.group(2))
    lat, lon = (a, b) if abs(a) <= 90 and (abs(b) > 90 or abs(a) <= abs(b)) else (b, a)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) == (0.0, 0.0):
        return None
    return lat, lon
