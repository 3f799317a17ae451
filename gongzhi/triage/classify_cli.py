"""`gongzhi triage train|predict|sentiment|sentiment-train`: classifier and sentiment on CSV files.

The argument names are a stable interface used by other tools; keep them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gongzhi.clitools import CliError
from gongzhi.core.spreadsheet import csv_writer  # pure: no Django

from .text import CsvInputError, column_values, join_fields, read_csv_rows

TREE_FILE = "category_tree.csv"
TRAIN_EXAMPLE = "gongzhi triage train --csv F --text 留言主题,留言详情 --label 一级标签 --model DIR"
SENTIMENT_TRAIN_EXAMPLE = "gongzhi triage sentiment-train --csv F --text review --label label --model DIR"


def _columns(spec: str) -> list[str]:
    cols = [c.strip() for c in spec.split(",") if c.strip()]
    if not cols:
        raise CliError("--text needs at least one column name")
    return cols


def _read(path: str, text_spec: str, *extra: str) -> tuple[list[str], list[list[str]]]:
    """Texts (fields joined, the first one as title) and the requested extra columns."""
    try:
        header, rows = read_csv_rows(path)
        fields = [column_values(header, rows, c, path) for c in _columns(text_spec)]
        others = [column_values(header, rows, c, path) for c in extra]
    except CsvInputError as exc:
        raise CliError(str(exc)) from None
    texts = [join_fields(values) for values in zip(*fields)] if rows else []
    return texts, others


def _write(path: str, header: list[str], rows) -> None:
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise CliError(f"{out.parent}: no such directory for --out")
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(header)
        w.writerows(rows)


# ---- classifier ---------------------------------------------------------------------------------

def _train(args) -> int:
    from .classifier import TextClassifier

    texts, (labels,) = _read(args.csv, args.text, args.label)
    unlabeled: list[str] = []
    unlabeled_paths = _unlabelled_beside(args) if args.unlabeled is None else args.unlabeled
    for path in unlabeled_paths:
        more, _ = _read(path, args.text)
        unlabeled.extend(more)
    labelled = [(t, y.strip()) for t, y in zip(texts, labels) if y.strip()]
    if len({y for _, y in labelled}) < 2:
        raise CliError(f"{args.csv}: column {args.label!r} needs at least two different labels")
    tree_path = args.tree
    if tree_path is None and (Path(args.csv).parent / TREE_FILE).is_file():
        tree_path = str(Path(args.csv).parent / TREE_FILE)
    tree = None
    if tree_path:
        try:
            _, tree = read_csv_rows(tree_path)
        except CsvInputError as exc:
            raise CliError(str(exc)) from None
    model = TextClassifier().fit([t for t, _ in labelled], [y for _, y in labelled], unlabeled=unlabeled,
                                 category_tree=tree)
    model.save(args.model)
    r = model.report
    cv = (f"cross-validated accuracy {r['cv_accuracy']:.3f}, macro-F1 {r['cv_macro_f1']:.3f}"
          if "cv_accuracy" in r else r.get("cv_note", "not cross-validated"))
    skipped = len(texts) - len(labelled)
    notes = [f"{len(model.labels)} categories"]
    if skipped:
        notes.append(f"{skipped} rows without a label skipped")
    if unlabeled:
        notes.append(f"{len(unlabeled)} unlabelled texts from {', '.join(Path(p).name for p in unlabeled_paths)}")
    if tree:
        notes.append(f"{r['tree_keywords']} keywords from {tree_path}")
    print(f"trained on {len(labelled)} rows ({', '.join(notes)}); {cv}; model {r['version']} in {args.model}")
    return 0


def _unlabelled_beside(args) -> list[str]:
    """Other CSVs in the training file's folder that have the --text columns but no --label column:
    appeals of the same kind without a category, which self-training learns from (as category_tree.csv
    there is picked up as the tree). Files that cannot be read as such are simply not used."""
    folder = Path(args.csv).resolve().parent
    wanted = _columns(args.text)
    found = []
    for path in sorted(folder.glob("*.csv")):
        if path == Path(args.csv).resolve() or path.name == TREE_FILE:
            continue
        try:
            header = read_csv_rows(path)[0]
        except (CsvInputError, OSError, UnicodeError):
            continue
        if all(c in header for c in wanted) and args.label not in header:
            found.append(str(path))
    return found


def _load_classifier(directory: str):
    from .classifier import TextClassifier

    try:
        return TextClassifier.load(directory)
    except FileNotFoundError:
        raise CliError(f"{directory}: no classifier model here (train one with: {TRAIN_EXAMPLE})") from None
    except (ValueError, KeyError, OSError) as exc:
        raise CliError(f"{directory}: cannot load the classifier model ({exc})") from None


def _predict(args) -> int:
    model = _load_classifier(args.model)
    texts, (ids,) = _read(args.csv, args.text, args.id)
    labels, conf = model.predict_labels(texts) if texts else ([], [])
    _write(args.out, ["id", "label", "confidence"],
           ((i.strip(), lab, f"{c:.4f}") for i, lab, c in zip(ids, labels, conf)))
    print(f"{len(texts)} predictions written to {args.out}")
    return 0


# ---- sentiment ----------------------------------------------------------------------------------

def _sentiment_train(args) -> int:
    from .sentiment import SentimentModel, default_model_dir

    texts, labels, domains = [], [], []
    for k, path in enumerate(args.csv):
        t, (lab,) = _read(path, args.text, args.label)
        for text, value in zip(t, lab):
            value = value.strip()
            if value in ("0", "1", "0.0", "1.0"):
                texts.append(text)
                labels.append(int(float(value)))
                domains.append(Path(path).stem)
            elif value:
                raise CliError(f"{path}: column {args.label!r} must hold 0 (negative) or 1 (positive), got {value!r}")
    if len(set(labels)) < 2:
        raise CliError(f"column {args.label!r} needs both positive (1) and negative (0) rows")
    model = SentimentModel().fit(texts, labels, domains=domains if len(args.csv) > 1 else None)
    target = args.model or default_model_dir()
    model.save(target)
    r = model.report
    print(f"trained on {len(texts)} reviews ({', '.join(model.domains) or 'one domain'}); "
          f"held-out accuracy {r.get('holdout_accuracy', float('nan')):.3f}; model in {target}")
    return 0


def _sentiment(args) -> int:
    from .sentiment import SentimentModelMissing, resolve_model

    try:
        model = resolve_model(args.model)
    except SentimentModelMissing as exc:
        raise CliError(str(exc)) from None
    except (ValueError, KeyError, OSError) as exc:
        raise CliError(f"cannot load the sentiment model ({exc})") from None
    texts, _ = _read(args.csv, args.text)
    prob = model.predict_proba(texts) if texts else []
    _write(args.out, ["row", "label", "score"],
           ((i, int(p >= 0.5), f"{p:.4f}") for i, p in enumerate(prob)))
    print(f"{len(texts)} reviews scored, written to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the appeal category classifier from a labelled CSV",
                       description="Train the category classifier (character n-grams + linear SVM) and write "
                                   "the model and its cross-validated report.json to --model DIR.")
    p.add_argument("--csv", required=True, help="labelled CSV (UTF-8 with or without BOM, or GB18030)")
    p.add_argument("--text", required=True, help="text columns, comma-separated; the first is the title")
    p.add_argument("--label", required=True, help="category column; rows without a label are skipped")
    p.add_argument("--model", required=True, help="directory to write the model to")
    p.add_argument("--unlabeled", nargs="*", metavar="CSV",
                   help="CSVs of unlabelled appeals with the same --text columns, used for one round of "
                        "cautious self-training. Default: the CSVs in the folder of --csv that have the "
                        "--text columns and no --label column; --unlabeled with no file to train without")
    p.add_argument("--tree", metavar="CSV",
                   help="category tree CSV: first column the first-level category (as in --label), the "
                        "others its sub-category names, used as keywords. Default: category_tree.csv in "
                        "the folder of --csv if there is one; --tree '' to train without a tree")
    p.set_defaults(func=_train)

    p = sub.add_parser("predict", help="predict categories for a CSV with a trained model",
                       description="Writes --out with columns id,label,confidence (confidence is a calibrated "
                                   "probability; compare it with the thresholds in the model's report.json).")
    p.add_argument("--model", required=True, help="model directory written by `train`")
    p.add_argument("--csv", required=True)
    p.add_argument("--text", required=True, help="text columns, comma-separated, as used in training")
    p.add_argument("--id", required=True, help="id column copied to the output")
    p.add_argument("--out", required=True, help="output CSV: id,label,confidence")
    p.set_defaults(func=_predict)

    p = sub.add_parser(
        "sentiment", help="score the polarity of Chinese texts (1 positive, 0 negative)",
        description="Writes --out with columns row,label,score: row is the 0-based data row, label 1 for "
                    "positive and 0 for negative, score the probability of positive. Model: --model DIR if "
                    "given; else the default model cache (written by `sentiment-train` without --model); "
                    "else, on first use, a model is trained from the review corpus in the shared data folder "
                    "($GONGZHI_SHARED_DIR/data/sentiment-zh, or ../shared beside the repository) and cached. "
                    f"If none of these exists the command stops and says to run: {SENTIMENT_TRAIN_EXAMPLE}")
    p.add_argument("--csv", required=True)
    p.add_argument("--text", required=True, help="text column(s), comma-separated")
    p.add_argument("--out", required=True, help="output CSV: row,label,score")
    p.add_argument("--model", help="model directory written by `sentiment-train` (optional, see above)")
    p.set_defaults(func=_sentiment)

    p = sub.add_parser("sentiment-train", help="train the sentiment model from labelled reviews",
                       description="Train a polarity model (character 1-3-gram TF-IDF + logistic regression). "
                                   "Several --csv files are treated as domains (e.g. hotel, delivery): one "
                                   "model each, mixed by a domain classifier at prediction time.")
    p.add_argument("--csv", required=True, nargs="+", help="labelled CSV file(s)")
    p.add_argument("--text", required=True, help="text column(s), comma-separated")
    p.add_argument("--label", required=True, help="0/1 label column (1 = positive)")
    p.add_argument("--model", help="directory to write the model to (default: the model cache that "
                                   "`sentiment` uses without --model)")
    p.set_defaults(func=_sentiment_train)


if __name__ == "__main__":  # pragma: no cover - convenience
    from .cli import main

    sys.exit(main())
