"""Appeal classification: accuracy and macro-F1 on a fixed cross-validation, calibration (ECE, a
reliability curve), the auto-dispatch coverage at a target precision, and predict throughput.

Data: ../shared/data/appeals-zh/labeled_messages.csv (927 messages, 7 first-level categories).
Protocol: stratified 5-fold cross-validation, shuffled with seed 0 (the same folds for every model);
each fold trains on 4/5 and predicts the rest, and the out-of-fold predictions are scored together
(accuracy, macro-F1 as in ../shared/reference/score_classification.py).

Models, both measured in this run:
  project   gongzhi.triage.classifier.TextClassifier (character uni+bigrams of title and content,
            keyword features from the sub-category names of category_tree.csv, linear SVM), as
            `gongzhi triage train` builds it from that folder. --no-tree drops the tree; with
            --unlabeled, the 7,142 unlabelled messages of messages_with_support.csv and
            messages_with_replies.csv also inform the n-gram document frequencies and feed one round
            of self-training (the 80 most confident per category join training at weight 0.3).
  baseline  TF-IDF of jieba words + TF-IDF of character 1-3-grams, LinearSVC(C=1), on title + content.

Calibration (nested): each outer fold's project model is trained as the product trains it, with
its own inner 5-fold cross-validation fitting the softmax temperature and the held-out precision
curve; its probabilities on the outer fold it never saw are scored together: top-label ECE (10 equal
bins) and the reliability curve. The baseline's probabilities come from sklearn's
CalibratedClassifierCV (sigmoid, inner 5-fold) around the same baseline pipeline. Auto-dispatch:
the threshold each outer model chose for the target precision (--target, default 0.97, as
GONGZHI_AUTO_DISPATCH_PRECISION) applied to its outer fold: the share of appeals it would dispatch
(coverage) and how many of those were right (precision).

Throughput: a model trained on all 927 rows predicts the labelled texts repeated to 5,000 messages,
single thread (OMP/OpenBLAS threads = 1), best of 3; measured in CPU seconds of this process
(time.process_time) because the machine is shared and wall time mostly measures the neighbours.
It covers the whole path from raw "title\\ncontent" strings to labels (project: + confidences;
baseline: jieba segmentation included).

Last line: key=value summary.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from gongzhi.triage.classifier import TextClassifier  # noqa: E402
from gongzhi.triage.text import column_values, join_fields, read_csv_rows  # noqa: E402

SHARED = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO_ROOT.parent / "shared"))
DATA = SHARED / "data" / "appeals-zh"
SEED = 0
FOLDS = 5


def load(name: str, with_label: bool = True):
    path = DATA / name
    header, rows = read_csv_rows(path)
    texts = [join_fields(v) for v in zip(column_values(header, rows, "留言主题", path),
                                         column_values(header, rows, "留言详情", path))]
    labels = [v.strip() for v in column_values(header, rows, "一级标签", path)] if with_label else None
    return texts, labels


def _jieba_cut(text):
    """jieba.lcut by name (a module-level function can be cloned by scikit-learn, a bound method of
    jieba's tokenizer, which holds a lock, cannot)."""
    import jieba

    return jieba.lcut(text)


class Baseline:
    """The issue's reference: jieba words + character 1-3-grams, TF-IDF, linear SVM."""

    def __init__(self):
        import jieba
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.svm import LinearSVC

        jieba.setLogLevel(60)
        jieba.initialize()
        self.pipe = make_pipeline(
            make_union(TfidfVectorizer(tokenizer=_jieba_cut, token_pattern=None, lowercase=False, sublinear_tf=True),
                       TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
            LinearSVC(C=1.0))

    def fit(self, texts, labels):
        self.pipe.fit(texts, labels)
        return self

    def predict(self, texts):
        return list(self.pipe.predict(texts))


class CalibratedBaseline(Baseline):
    """The baseline with sklearn's cross-validated sigmoid calibration (probabilities for ECE)."""

    def __init__(self):
        from sklearn.calibration import CalibratedClassifierCV

        super().__init__()
        self.pipe = CalibratedClassifierCV(self.pipe, method="sigmoid", cv=FOLDS)

    def predict_proba(self, texts):
        return self.pipe.predict_proba(texts), list(self.pipe.classes_)


def scores(y_true, y_pred) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return accuracy_score(y_true, y_pred), f1_score(y_true, y_pred, average="macro")


def cross_validate(make, predict, texts, labels):
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels)
    pred = np.empty(len(y), dtype=object)
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(texts, y):
        model = make([texts[i] for i in tr], [labels[i] for i in tr])
        pred[te] = predict(model, [texts[i] for i in te])
    return scores(y, list(pred)), pred


def nested_calibration(make, texts, labels, target: float):
    """Outer-fold probabilities of models that calibrate themselves on inner folds: ECE, the
    reliability curve, and (when the model chooses one) the target threshold's coverage/precision."""
    from sklearn.model_selection import StratifiedKFold

    from gongzhi.triage.calibration import expected_calibration_error, reliability

    y = np.array(labels)
    conf = np.zeros(len(y))
    right = np.zeros(len(y), dtype=bool)
    chosen = np.zeros(len(y), dtype=bool)
    thresholds = []
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(texts, y):
        model = make([texts[i] for i in tr], [labels[i] for i in tr])
        prob, classes = model.predict_proba([texts[i] for i in te])
        conf[te] = prob.max(1)
        right[te] = np.array(classes)[prob.argmax(1)] == y[te]
        threshold = model.threshold(target) if hasattr(model, "threshold") else None
        thresholds.append(threshold)
        if threshold is not None:
            chosen[te] = conf[te] >= threshold
    coverage = float(chosen.mean())
    precision = float(right[chosen].mean()) if chosen.any() else float("nan")
    return {"ece": expected_calibration_error(conf, right), "reliability": reliability(conf, right),
            "thresholds": thresholds, "coverage": coverage, "precision": precision,
            "accuracy": float(right.mean())}


class _Calibrated:
    """The project model as the product trains it (evaluate=True: inner CV, temperature, curve)."""

    def __init__(self, model):
        self.model = model

    def predict_proba(self, texts):
        return self.model.predict_proba(texts), self.model.labels

    def threshold(self, target):
        return self.model.threshold(target)


def throughput(predict, texts, n: int = 5000) -> float:
    batch = (texts * (n // len(texts) + 1))[:n]
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        predict(batch)
        best = min(best, time.process_time() - t)
    return n / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--unlabeled", action="store_true",
                    help="let the project model also read the 7,142 unlabelled messages (n-gram statistics, self-training)")
    ap.add_argument("--no-tree", action="store_true", help="train the project model without category_tree.csv")
    ap.add_argument("--target", type=float, default=float(os.environ.get("GONGZHI_AUTO_DISPATCH_PRECISION", "0.97")),
                    help="target precision of automatic dispatch (default 0.97)")
    args = ap.parse_args()
    if not (DATA / "labeled_messages.csv").is_file():
        sys.exit(f"data not found: {DATA} (set GONGZHI_SHARED_DIR)")
    texts, labels = load("labeled_messages.csv")
    unlabeled = []
    if args.unlabeled:
        for name in ("messages_with_support.csv", "messages_with_replies.csv"):
            unlabeled += load(name, with_label=False)[0]
    tree = None if args.no_tree else read_csv_rows(DATA / "category_tree.csv")[1]
    print(f"{len(texts)} labelled messages, {len(set(labels))} categories; {FOLDS}-fold stratified CV, seed {SEED}"
          + (f"; {len(unlabeled)} unlabelled messages for the project model" if unlabeled else "")
          + ("; category tree used" if tree else "; no category tree"))

    def make_project(tx, ly):
        return TextClassifier().fit(tx, ly, unlabeled=unlabeled, category_tree=tree, evaluate=False)

    t = time.process_time()
    (acc, f1), pred = cross_validate(make_project, lambda m, tx: m.predict_labels(tx)[0], texts, labels)
    t_project = time.process_time() - t
    t = time.process_time()
    (b_acc, b_f1), _ = cross_validate(lambda tx, ly: Baseline().fit(tx, ly), lambda m, tx: m.predict(tx), texts, labels)
    t_base = time.process_time() - t

    from sklearn.metrics import classification_report

    print(classification_report(labels, list(pred), digits=3))
    print(f"project : accuracy {acc:.4f}  macro-F1 {f1:.4f}  (CV CPU time {t_project:.1f}s)")
    print(f"baseline: accuracy {b_acc:.4f}  macro-F1 {b_f1:.4f}  (CV CPU time {t_base:.1f}s)")

    t = time.process_time()
    cal = nested_calibration(lambda tx, ly: _Calibrated(TextClassifier().fit(tx, ly, unlabeled=unlabeled, category_tree=tree)),
                             texts, labels, args.target)
    t_cal = time.process_time() - t
    b_cal = nested_calibration(lambda tx, ly: CalibratedBaseline().fit(tx, ly), texts, labels, args.target)
    print(f"calibration (nested {FOLDS}x{FOLDS} CV, CPU {t_cal:.1f}s): project ECE {cal['ece']:.4f}, "
          f"baseline (CalibratedClassifierCV sigmoid) ECE {b_cal['ece']:.4f}")
    print("reliability (project, outer folds): " + "; ".join(
        f"{r['bin']} n={r['n']} conf {r['confidence']:.3f} acc {r['accuracy']:.3f}" for r in cal["reliability"]))
    shown = ", ".join("none" if t is None else f"{t:.3f}" for t in cal["thresholds"])
    print(f"auto-dispatch at target precision {args.target:.2f}: thresholds chosen on inner folds [{shown}]; "
          f"on the outer folds coverage {cal['coverage']:.3f}, precision {cal['precision']:.4f}")

    project = TextClassifier().fit(texts, labels, unlabeled=unlabeled, category_tree=tree, evaluate=False)
    baseline = Baseline().fit(texts, labels)
    tp = throughput(project.predict_labels, texts)
    tb = throughput(baseline.predict, texts)
    print(f"throughput (messages/s, one core, CPU time): project {tp:.0f}, baseline {tb:.0f}")
    print(f"accuracy={acc:.4f} macro_f1={f1:.4f} baseline_accuracy={b_acc:.4f} baseline_macro_f1={b_f1:.4f} "
          f"accuracy_ratio={acc / b_acc:.4f} throughput={tp:.0f} baseline_throughput={tb:.0f} "
          f"throughput_ratio={tp / tb:.2f} ece={cal['ece']:.4f} baseline_ece={b_cal['ece']:.4f} "
          f"ece_ratio={cal['ece'] / b_cal['ece']:.2f} target_precision={args.target:.2f} "
          f"coverage={cal['coverage']:.3f} precision_at_threshold={cal['precision']:.4f} "
          f"unlabeled={len(unlabeled)} tree={int(bool(tree))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
