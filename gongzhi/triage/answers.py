"""Which standard answers (知识库) fit what a caller asks: keyword hits and the overlap of the
question's words with the caller's. Pure Python (no Django): triage/desk.py adapts the rows.

An entry is suggested when one of its keywords is in the text, or when most of its question's
two-character pieces are; a keyword counts by its length (a long keyword is a precise one), and
an entry of the category the classifier expects gets a small lift.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .places import normalise

__all__ = ["Answer", "Suggested", "rank_answers"]

_DROP_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
MIN_QUESTION_OVERLAP = 0.5


@dataclass(frozen=True)
class Answer:
    id: int
    question: str
    keywords: tuple[str, ...] = ()
    category: str = ""  # the first-level category name, as the classifier predicts it


@dataclass(frozen=True)
class Suggested:
    answer: Answer
    score: float
    matched: list[str] = field(default_factory=list)  # the keywords found in the text


def _fold(text: str) -> str:
    return _DROP_RE.sub("", normalise(text)).lower()


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


@lru_cache(maxsize=8192)
def _prepared(answer: Answer) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """An entry's keywords with their folded forms, and its question's pieces: once per entry."""
    keywords = tuple((k, _fold(k)) for k in answer.keywords if len(_fold(k)) >= 2)
    return keywords, frozenset(_bigrams(_fold(answer.question)))


def rank_answers(text: str, answers: Iterable[Answer], limit: int = 3,
                 expected_categories: Iterable[str] = ()) -> list[Suggested]:
    """The answers that fit `text`, best first (at most `limit`)."""
    folded = _fold(text)
    if len(folded) < 2:
        return []
    grams = _bigrams(folded)
    expected = set(expected_categories)
    out: list[Suggested] = []
    for answer in answers:
        keywords, question = _prepared(answer)
        hits = [(k, f) for k, f in keywords if f in folded]
        overlap = len(question & grams) / len(question) if question else 0.0
        if not hits and overlap < MIN_QUESTION_OVERLAP:
            continue
        matched = [k for k, _f in hits]
        score = sum(len(f) for _k, f in hits) + 4 * overlap
        if answer.category and answer.category in expected:
            score += 1
        out.append(Suggested(answer, round(score, 3), matched))
    out.sort(key=lambda s: (-s.score, s.answer.id))
    return out[:limit]
