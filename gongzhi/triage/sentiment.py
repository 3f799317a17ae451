"""Polarity of short Chinese texts (reviews, comments): character 1-3-gram TF-IDF, two linear heads.

Why: on the hotel and food-delivery review corpora, character n-grams beat jieba words (+2 points
on hotels) and need no segmentation. Two heads are averaged: a logistic regression on the TF-IDF
rows and an NB-SVM (logistic regression on the same rows scaled by each n-gram's naive-Bayes log-count
ratio). Both are fitted with balanced class weights (hotels are 2:1 positive, take-away 1:2) and a
weak penalty (C=30 and 10). In bench/sentiment.py's 5-fold cross-validation over the training parts
this scores 0.901 against 0.896 for the single LR (C=10) it replaces; jieba word features, 4-5-grams,
one vocabulary per domain and a stronger or weaker penalty did not help. The NB scaling is folded
into the head's weights, so prediction stays two sparse dot products.

When trained on several corpora at once (``domains``), one pair of heads per domain is mixed by a
domain classifier: reviews of hotels and of take-away food use the same words with different
priors, and a pooled model lost about a point on hotels.

No model ships with the package (the review corpora may not be redistributed): a model is trained
with ``gongzhi triage sentiment-train``, or, on first use, from the shared data folder if present,
and cached (see ``resolve_model``).
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .text import CharTfidf, normalize, write_model_files

__all__ = ["SentimentModel", "SentimentModelMissing", "resolve_model", "default_model_dir", "shared_corpus"]

FORMAT_VERSION = 2
MODEL_FILE = f"sentiment-v{FORMAT_VERSION}.npz"
META_FILE = f"sentiment-v{FORMAT_VERSION}.json"
REPORT_FILE = "report.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = ("ChnSentiCorp_htl_all.csv", "waimai_10k.csv")


def default_model_dir() -> Path:
    if os.environ.get("GONGZHI_SENTIMENT_MODEL"):
        return Path(os.environ["GONGZHI_SENTIMENT_MODEL"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gongzhi" / f"sentiment-v{FORMAT_VERSION}"




class SentimentModelMissing(LookupError):
    """No model given, none cached, and no corpus to train one from."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SentimentModel:
    """P(positive) for each text; ``fit`` keeps a 10% stratified hold-out score in ``report``."""

    def __init__(self, C: float = 30.0, max_n: int = 3, seed: int = 0, nb_C: float = 10.0):
        self.C = C
        self.nb_C = nb_C
        self.max_n = max_n
        self.seed = seed
        self.domains: list[str] = []
        self.report: dict = {}
        self._vec: CharTfidf | None = None
        self._coef = self._intercept = None          # two rows (LR, NB-SVM) per domain, or two rows
        self._router_coef = self._router_intercept = None

    def _lr(self, C: float | None = None, balanced: bool = True):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C if C is None else C, max_iter=3000,
                                  class_weight="balanced" if balanced else None)

    def _heads(self, X, y: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
        """LR on the TF-IDF rows, and NB-SVM: LR on the rows scaled by the naive-Bayes log-count
        ratio r, whose weights w become r * w so that prediction needs no scaling step."""
        lr = self._lr().fit(X, y)
        present = (X > 0).astype(np.float64)
        p = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1.0
        q = np.asarray(present[y == 0].sum(axis=0)).ravel() + 1.0
        r = np.log(p / p.sum()) - np.log(q / q.sum())
        nb = self._lr(self.nb_C).fit(X.multiply(r).tocsr(), y)
        return [lr.coef_[0], r * nb.coef_[0]], [lr.intercept_[0], nb.intercept_[0]]

    def _train(self, texts: list[str], y: np.ndarray, dom: np.ndarray | None) -> None:
        self._vec = CharTfidf(max_n=self.max_n).fit(texts)
        X = self._vec.transform(texts)
        groups = [] if dom is None else [np.flatnonzero(dom == k) for k in range(len(self.domains))]
        pooled = None
        coef, icpt = [], []
        for g in groups or [np.arange(len(y))]:
            if min(np.bincount(y[g], minlength=2)) < 10:
                # A domain with (almost) only one polarity cannot have its own heads: use pooled ones.
                pooled = pooled or self._heads(X, y)
                c, b = pooled
            else:
                c, b = self._heads(X[g], y[g])
            coef += c
            icpt += b
        self._coef = np.asarray(coef, dtype=np.float32)
        self._intercept = np.asarray(icpt, dtype=np.float32)
        self._router_coef = self._router_intercept = None
        if dom is not None:
            router = self._lr(balanced=False).fit(X, dom)
            c, b = router.coef_, router.intercept_
            if len(self.domains) == 2:  # binary LR keeps one row; make it a 2-way softmax
                c, b = np.vstack([np.zeros_like(c[0]), c[0]]), np.array([0.0, b[0]])
            self._router_coef = np.asarray(c, dtype=np.float32)
            self._router_intercept = np.asarray(b, dtype=np.float32)

    def fit(self, texts: Sequence[str], labels: Sequence[int], domains: Sequence[str] | None = None,
            evaluate: bool = True) -> SentimentModel:
        texts = [normalize(t) for t in texts]
        y = np.asarray([int(v) for v in labels])
        if len(set(y.tolist())) < 2:
            raise ValueError("need both positive (1) and negative (0) examples")
        dom = None
        self.domains = []
        if domains is not None and len(set(domains)) > 1:
            self.domains = sorted(set(domains))
            dom = np.array([self.domains.index(d) for d in domains])
        report = {
            "format_version": FORMAT_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "model": f"char 1-{self.max_n}gram TF-IDF; mean of LogisticRegression(C={self.C}) and "
                     f"NB-SVM(C={self.nb_C}), balanced class weights"
                     + (", one pair per domain mixed by a domain classifier" if dom is not None else ""),
            "n_train": int(len(y)), "positive_share": round(float(y.mean()), 4), "domains": self.domains,
        }
        if evaluate and len(y) >= 50:
            from sklearn.model_selection import train_test_split

            strat = y if dom is None else dom * 2 + y
            if np.bincount(strat).min() < 2:
                strat = y
            tr, te = train_test_split(np.arange(len(y)), test_size=0.1, random_state=self.seed, stratify=strat)
            self._train([texts[i] for i in tr], y[tr], None if dom is None else dom[tr])
            p = self._proba_clean([texts[i] for i in te])
            report["holdout_accuracy"] = round(float(((p >= 0.5) == y[te]).mean()), 4)
            report["holdout_size"] = int(len(te))
            if dom is not None:
                report["holdout_accuracy_by_domain"] = {
                    d: round(float(((p[dom[te] == k] >= 0.5) == y[te][dom[te] == k]).mean()), 4)
                    for k, d in enumerate(self.domains) if (dom[te] == k).any()}
        self._train(texts, y, dom)
        self.report = report
        return self

    def _proba_clean(self, texts: Sequence[str]) -> np.ndarray:
        X = self._vec.transform(texts)
        z = np.asarray(X @ self._coef.T) + self._intercept          # (n, 2 * domains)
        p = _sigmoid(z)
        p = (p[:, 0::2] + p[:, 1::2]) / 2                            # mean of the two heads
        if self._router_coef is None:
            return p[:, 0]
        w = _softmax(np.asarray(X @ self._router_coef.T) + self._router_intercept)
        return (w * p).sum(axis=1)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is positive."""
        if self._vec is None:
            raise ValueError("the sentiment model is not trained")
        return self._proba_clean([normalize(t) for t in texts])

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [int(p >= 0.5) for p in self.predict_proba(texts)]

    def save(self, directory: str | Path) -> Path:
        d = Path(directory)
        arrays = {"keys": self._vec.keys_, "idf": self._vec.idf_, "coef": self._coef, "intercept": self._intercept}
        if self._router_coef is not None:
            arrays.update(router_coef=self._router_coef, router_intercept=self._router_intercept)
        meta = {"format_version": FORMAT_VERSION, "C": self.C, "nb_C": self.nb_C, "max_n": self.max_n,
                "seed": self.seed, "domains": self.domains}
        return write_model_files(d, MODEL_FILE, arrays, META_FILE, meta, self.report, REPORT_FILE)

    @classmethod
    def load(cls, directory: str | Path) -> SentimentModel:
        d = Path(directory)
        if not (d / META_FILE).is_file():
            raise FileNotFoundError(2, "No sentiment model", str(d / META_FILE))
        meta = json.loads((d / META_FILE).read_text("utf-8"))
        model = cls(C=meta["C"], max_n=meta["max_n"], seed=meta.get("seed", 0), nb_C=meta["nb_C"])
        model.domains = list(meta.get("domains") or [])
        with np.load(d / MODEL_FILE) as a:
            model._vec = CharTfidf(max_n=model.max_n, keys=a["keys"], idf=a["idf"])
            model._coef, model._intercept = a["coef"], a["intercept"]
            if "router_coef" in a:
                model._router_coef, model._router_intercept = a["router_coef"], a["router_intercept"]
        report = d / REPORT_FILE
        model.report = json.loads(report.read_text("utf-8")) if report.is_file() else {}
        return model


def shared_corpus() -> list[Path]:
    """The review corpora in the shared data folder beside the repository, if they are there."""
    base = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO_ROOT.parent / "shared")) / "data" / "sentiment-zh"
    return [base / f for f in CORPUS_FILES if (base / f).is_file()]


def train_from_files(paths: Sequence[Path], text_column: str = "review", label_column: str = "label") -> SentimentModel:
    from .text import column_values, read_csv_rows

    texts, labels, domains = [], [], []
    for path in paths:
        header, rows = read_csv_rows(path)
        for t, v in zip(column_values(header, rows, text_column, path), column_values(header, rows, label_column, path)):
            if v.strip() in ("0", "1"):
                texts.append(t)
                labels.append(int(v))
                domains.append(Path(path).stem)
    return SentimentModel().fit(texts, labels, domains=domains)


def resolve_model(directory: str | Path | None = None) -> SentimentModel:
    """--model DIR; else the cached default model; else train once from the shared corpus and cache."""
    if directory:
        try:
            return SentimentModel.load(directory)
        except FileNotFoundError:
            raise SentimentModelMissing(
                f"{directory}: no sentiment model here (train one with: gongzhi triage sentiment-train "
                f"--csv F --text review --label label --model {directory})") from None
    target = default_model_dir()
    if (target / META_FILE).is_file():
        return SentimentModel.load(target)
    corpus = shared_corpus()
    if not corpus:
        raise SentimentModelMissing(
            "no sentiment model: train one with `gongzhi triage sentiment-train --csv F --text review "
            "--label label --model DIR` and pass --model DIR")
    print(f"training the sentiment model from {', '.join(p.name for p in corpus)} (first use; cached in {target})",
          file=sys.stderr)
    model = train_from_files(corpus)
    model.save(target)
    return model
