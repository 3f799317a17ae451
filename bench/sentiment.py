"""Sentiment polarity: accuracy on fixed hold-out splits of the two review corpora, and throughput.

Data: ../shared/data/sentiment-zh/ChnSentiCorp_htl_all.csv (hotel, 6,267) and waimai_10k.csv
(food delivery, 9,625). Each file is split once, stratified 80/20 with seed 0.

Models, all measured in this run:
  project (both)     gongzhi.triage.sentiment.SentimentModel trained on both 80% parts as two
                     domains (what `gongzhi triage sentiment` uses by default), scored on each 20%.
  project (per file) the same model trained on one file's 80% part only.
  baseline           TF-IDF of jieba words + LogisticRegression (scikit-learn defaults), per file.
Accuracy is pooled over both hold-out parts (3,179 reviews); per-file figures are printed too.
Cross-validation: the hold-out parts are one draw of 3,179 reviews (one standard error is about half
a point), so the project model (both) is also scored by 5-fold stratified cross-validation over the
two 80% parts (12,713 reviews, strata = file x label, seed 1): `cv_accuracy`. Model choices are made
on this figure, never on the hold-out parts. `--no-cv` skips it (five more trainings).
Throughput: reviews/s of predict_proba on the hold-out texts, one thread, CPU time of this process.
Last line: key=value summary.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from gongzhi.triage.sentiment import SentimentModel  # noqa: E402
from gongzhi.triage.text import column_values, read_csv_rows  # noqa: E402

SHARED = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO_ROOT.parent / "shared"))
DATA = SHARED / "data" / "sentiment-zh"
FILES = {"hotel": "ChnSentiCorp_htl_all.csv", "waimai": "waimai_10k.csv"}
SEED = 0


def split(name: str):
    from sklearn.model_selection import train_test_split

    path = DATA / name
    header, rows = read_csv_rows(path)
    texts = column_values(header, rows, "review", path)
    y = np.array([int(v) for v in column_values(header, rows, "label", path)])
    tr, te = train_test_split(np.arange(len(y)), test_size=0.2, random_state=SEED, stratify=y)
    return [texts[i] for i in tr], y[tr], [texts[i] for i in te], y[te]


def baseline():
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    jieba.setLogLevel(60)
    return make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None), LogisticRegression(max_iter=2000))


def cpu_rate(fn, texts) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        fn(texts)
        best = min(best, time.process_time() - t)
    return len(texts) / best


def cross_validate(texts, y, domains, folds: int = 5) -> dict[str, float]:
    from sklearn.model_selection import StratifiedKFold

    dom = np.array(domains)
    hits = np.zeros(len(y), dtype=bool)
    strata = np.char.add(dom.astype(str), y.astype(str))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=1).split(texts, strata):
        m = SentimentModel().fit([texts[i] for i in tr], y[tr], domains=[domains[i] for i in tr], evaluate=False)
        hits[te] = np.asarray(m.predict([texts[i] for i in te])) == y[te]
    return {"all": float(hits.mean()), **{k: float(hits[dom == k].mean()) for k in sorted(set(domains))}}


def main() -> int:
    if not all((DATA / f).is_file() for f in FILES.values()):
        sys.exit(f"data not found: {DATA} (set GONGZHI_SHARED_DIR)")
    parts = {k: split(f) for k, f in FILES.items()}
    tr_x = [t for k in FILES for t in parts[k][0]]
    tr_y = np.concatenate([parts[k][1] for k in FILES])
    tr_d = [k for k in FILES for _ in parts[k][0]]
    both = SentimentModel().fit(tr_x, tr_y, domains=tr_d, evaluate=False)

    correct = {"both": 0, "per_file": 0, "baseline": 0}
    per: dict[str, dict[str, float]] = {}
    n = 0
    base_models = {}
    for k in FILES:
        x_tr, y_tr, x_te, y_te = parts[k]
        own = SentimentModel().fit(x_tr, y_tr, evaluate=False)
        base_models[k] = base = baseline().fit(x_tr, y_tr)
        hits = {"both": both.predict(x_te) == y_te, "per_file": own.predict(x_te) == y_te,
                "baseline": base.predict(x_te) == y_te}
        per[k] = {m: float(h.mean()) for m, h in hits.items()}
        for m, h in hits.items():
            correct[m] += int(h.sum())
        n += len(y_te)
        print(f"{k:7s} test {len(y_te)}: project(both) {per[k]['both']:.4f}  project(per file) "
              f"{per[k]['per_file']:.4f}  baseline {per[k]['baseline']:.4f}")
    acc = {m: c / n for m, c in correct.items()}
    cv = None if "--no-cv" in sys.argv[1:] else cross_validate(tr_x, tr_y, tr_d)
    if cv:
        print(f"5-fold CV over the training parts ({len(tr_y)}): project(both) {cv['all']:.4f}  "
              + "  ".join(f"{k} {cv[k]:.4f}" for k in FILES))
    test_x = [t for k in FILES for t in parts[k][2]]
    tp = cpu_rate(both.predict_proba, test_x)
    tb = cpu_rate(base_models["waimai"].predict, test_x)
    print(f"pooled over {n}: project(both) {acc['both']:.4f}  project(per file) {acc['per_file']:.4f}  "
          f"baseline {acc['baseline']:.4f};  throughput reviews/s (CPU): project {tp:.0f}, baseline {tb:.0f}")
    print(f"accuracy={acc['both']:.4f} accuracy_hotel={per['hotel']['both']:.4f} accuracy_waimai={per['waimai']['both']:.4f} "
          f"accuracy_per_file_models={acc['per_file']:.4f} baseline_accuracy={acc['baseline']:.4f} "
          f"accuracy_ratio={acc['both'] / acc['baseline']:.4f} throughput={tp:.0f} baseline_throughput={tb:.0f} "
          f"throughput_ratio={tp / tb:.2f}"
          + (f" cv_accuracy={cv['all']:.4f} cv_accuracy_hotel={cv['hotel']:.4f} cv_accuracy_waimai={cv['waimai']:.4f}"
             if cv else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
