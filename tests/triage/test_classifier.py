"""The appeal category classifier, as a dispatcher and the `gongzhi triage train/predict` CLI see it."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from gongzhi.triage.classifier import TextClassifier
from gongzhi.triage.text import column_values, join_fields, read_csv_rows


@pytest.fixture(scope="session")
def appeals(appeals_dir):
    path = appeals_dir / "labeled_messages.csv"
    header, rows = read_csv_rows(path)
    texts = [join_fields(v) for v in zip(column_values(header, rows, "留言主题", path),
                                         column_values(header, rows, "留言详情", path))]
    return texts, [v.strip() for v in column_values(header, rows, "一级标签", path)]


@pytest.fixture(scope="session")
def split(appeals):
    from sklearn.model_selection import train_test_split

    texts, labels = appeals
    tr, te = train_test_split(np.arange(len(texts)), test_size=0.25, random_state=7, stratify=labels)
    pick = lambda idx: ([texts[i] for i in idx], [labels[i] for i in idx])  # noqa: E731
    return pick(tr), pick(te)


@pytest.fixture(scope="session")
def tree(appeals_dir):
    return read_csv_rows(appeals_dir / "category_tree.csv")[1]


@pytest.fixture(scope="session")
def trained(split, tree):
    (x, y), _ = split
    return TextClassifier().fit(x, y, category_tree=tree)


@pytest.fixture(scope="session")
def held_out_predictions(trained, split):
    _, (x, y) = split
    return trained.predict(x), y


def test_held_out_appeals_are_mostly_put_in_the_right_category(held_out_predictions):
    from sklearn.metrics import f1_score

    preds, gold = held_out_predictions
    labels = [p.label for p in preds]
    accuracy = np.mean([a == b for a, b in zip(labels, gold)])
    assert accuracy >= 0.82
    assert f1_score(gold, labels, average="macro") >= 0.80


def test_confident_predictions_are_more_often_right(held_out_predictions):
    preds, gold = held_out_predictions
    right = np.array([p.label == g for p, g in zip(preds, gold)])
    conf = np.array([p.confidence for p in preds])
    assert right[conf >= 0.9].mean() >= 0.93
    assert right[conf >= 0.9].mean() > right[conf < 0.6].mean() + 0.2
    assert (conf >= 0.9).mean() >= 0.4  # a useful share could be dispatched automatically


def test_a_prediction_offers_three_ranked_alternatives_and_the_words_behind_it(trained):
    text = "小区楼下烧烤店油烟噪音扰民\n每天晚上烧烤摊油烟很大，噪音到凌晨，严重影响居民休息，请环保部门处理。"
    p = trained.predict([text])[0]
    assert [lab for lab, _ in p.top3][0] == p.label
    assert len({lab for lab, _ in p.top3}) == 3
    probs = [prob for _, prob in p.top3]
    assert probs == sorted(probs, reverse=True) and p.confidence == probs[0] and sum(probs) <= 1.0001
    assert p.key_terms and all(term in text for term in p.key_terms)
    assert {"油烟", "噪音"} & set(p.key_terms)


def test_clear_cases_land_in_their_categories(trained):
    cases = {
        "学校乱收补课费\n某中学强制学生参加周末补课，每人收取补课费800元，请教育局查处。": "教育文体",
        "公司拖欠工资半年\n我们在某公司上班，老板拖欠工资和社保，劳动仲裁也不管。": "劳动和社会保障",
        "公交车站调整不合理\n302路公交车取消了站点，乘客出行很不方便，建议恢复公交站。": "交通运输",
    }
    labels = [p.label for p in trained.predict(list(cases))]
    assert labels == list(cases.values())


def test_category_tree_names_become_keywords_and_explain_predictions(trained):
    assert "物业服务" in trained.keywords["城乡建设"] and "小区管理" in trained.keywords["城乡建设"]
    assert "住房公积金" in trained.keywords["城乡建设"] and "其他" not in trained.keywords["城乡建设"]
    assert set(trained.keywords) <= set(trained.labels)  # roots outside the labels are ignored
    p = trained.predict(["小区管理混乱\n物业服务差，电梯坏了一个月没人修。"])[0]
    assert p.label == "城乡建设" and {"物业服务", "小区管理"} <= set(p.key_terms)


def test_empty_and_odd_texts_still_get_a_label(trained):
    preds = trained.predict(["", "\n", "ABC 123", "？？？"])
    assert all(p.label in trained.labels and 0 < p.confidence <= 1 for p in preds)


def test_saved_model_predicts_exactly_as_before_and_carries_its_report(trained, split, tmp_path):
    _, (x, _) = split
    trained.save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model")
    assert loaded.predict(x[:50]) == trained.predict(x[:50])
    report = json.loads((tmp_path / "model" / "report.json").read_text("utf-8"))
    assert report["n_train"] == len(split[0][0]) and report["version"] and report["created"]
    assert loaded.keywords == trained.keywords and report["tree_keywords"] > 100
    assert set(report["per_class"]) == set(trained.labels) == set(report["labels"])
    assert 0.75 <= report["cv_accuracy"] <= 1 and 0.75 <= report["cv_macro_f1"] <= 1
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (7, 7) and matrix.sum() == report["n_train"]
    for label, cls in report["per_class"].items():
        assert {"precision", "recall", "f1", "support", "threshold"} <= set(cls)
        suggestion = report["suggested_thresholds"][label]["0.90"]
        assert suggestion is None or suggestion["precision"] >= 0.9


def test_loading_a_directory_without_a_model_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        TextClassifier.load(tmp_path)


def _rows(path, encoding="utf-8"):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="session")
def cli_files(appeals_dir, tmp_path_factory):
    """A training CSV and a prediction CSV (the held-out quarter) cut from the real file."""
    d = tmp_path_factory.mktemp("classify_cli")
    header, rows = read_csv_rows(appeals_dir / "labeled_messages.csv")
    train = [r for i, r in enumerate(rows) if i % 4]
    test = rows[::4]
    for name, part, enc in (("train.csv", train, "utf-8-sig"), ("test.csv", test, "gb18030")):
        with open(d / name, "w", encoding=enc, newline="") as fh:
            csv.writer(fh).writerows([header] + part)
    return d


def test_cli_trains_then_predicts_id_label_confidence(triage_cli, cli_files, appeals_dir):
    code, out, err = triage_cli("train", "--csv", cli_files / "train.csv", "--text", "留言主题,留言详情",
                                "--label", "一级标签", "--model", cli_files / "model")
    assert code == 0, err
    assert "cross-validated accuracy" in out
    assert (cli_files / "model" / "report.json").is_file()
    code, out, err = triage_cli("predict", "--model", cli_files / "model", "--csv", cli_files / "test.csv",
                                "--text", "留言主题,留言详情", "--id", "留言编号", "--out", cli_files / "pred.csv")
    assert code == 0, err
    rows = _rows(cli_files / "pred.csv")
    header, test_rows = read_csv_rows(cli_files / "test.csv")  # GB18030 input was read
    assert rows[0] == ["id", "label", "confidence"]
    assert [r[0] for r in rows[1:]] == column_values(header, test_rows, "留言编号", "test.csv")
    gold = column_values(header, test_rows, "一级标签", "test.csv")
    assert np.mean([r[1] == g for r, g in zip(rows[1:], gold)]) >= 0.8
    assert all(0 < float(r[2]) <= 1 for r in rows[1:])


def test_cli_uses_a_category_tree_found_beside_the_training_file(triage_cli, cli_files, tmp_path):
    folder = tmp_path / "with_tree"
    folder.mkdir()
    (folder / "train.csv").write_bytes((cli_files / "train.csv").read_bytes())
    (folder / "category_tree.csv").write_text("一级分类,二级分类,三级分类\n教育文体,教育收费,补课收费\n"
                                              "城乡建设,住房保障,物业管理、小区管理\n", "utf-8")
    code, out, err = triage_cli("train", "--csv", folder / "train.csv", "--text", "留言主题,留言详情",
                                "--label", "一级标签", "--model", folder / "m")
    assert code == 0, err
    assert "5 keywords from" in out
    assert TextClassifier.load(folder / "m").keywords["城乡建设"] == ["住房保障", "小区管理", "物业管理"]
    code, out, err = triage_cli("train", "--csv", folder / "train.csv", "--text", "留言主题,留言详情",
                                "--label", "一级标签", "--model", folder / "m2", "--tree", "")
    assert code == 0 and "keywords" not in out and TextClassifier.load(folder / "m2").keywords == {}


def test_cli_learns_from_unlabelled_appeals_found_beside_the_training_file(triage_cli, cli_files, appeals_dir,
                                                                          tmp_path):
    folder = tmp_path / "with_unlabelled"
    folder.mkdir()
    (folder / "train.csv").write_bytes((cli_files / "train.csv").read_bytes())
    (folder / "labelled_elsewhere.csv").write_bytes((cli_files / "test.csv").read_bytes())  # has 一级标签: not used
    header, rows = read_csv_rows(appeals_dir / "messages_with_support.csv")
    with open(folder / "support.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header] + rows[:1500])
    (folder / "other.csv").write_text("a,b\n1,2\n", "utf-8")  # other columns: not used
    code, out, err = triage_cli("train", "--csv", folder / "train.csv", "--text", "留言主题,留言详情",
                                "--label", "一级标签", "--model", folder / "m")
    assert code == 0, err
    assert "1500 unlabelled texts from support.csv" in out
    assert TextClassifier.load(folder / "m").report["pseudo_labelled"] > 0
    code, out, err = triage_cli("train", "--csv", folder / "train.csv", "--text", "留言主题,留言详情",
                                "--label", "一级标签", "--model", folder / "m2", "--unlabeled")
    assert code == 0 and "unlabelled texts" not in out


def test_cli_names_a_missing_column_in_one_line(triage_cli, cli_files):
    code, out, err = triage_cli("train", "--csv", cli_files / "train.csv", "--text", "标题,留言详情",
                                "--label", "一级标签", "--model", cli_files / "m2")
    assert code == 2
    assert "'标题'" in err and len(err.strip().splitlines()) == 1
    assert not (cli_files / "m2").exists()


def test_cli_predict_without_a_model_tells_how_to_train_one(triage_cli, cli_files, tmp_path):
    code, _, err = triage_cli("predict", "--model", tmp_path / "none", "--csv", cli_files / "test.csv",
                              "--text", "留言主题,留言详情", "--id", "留言编号", "--out", tmp_path / "p.csv")
    assert code == 2 and "gongzhi triage train" in err and len(err.strip().splitlines()) == 1


def test_cli_rejects_a_file_that_is_not_text(triage_cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)) * 4)
    code, _, err = triage_cli("train", "--csv", bad, "--text", "a", "--label", "b", "--model", tmp_path / "m")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_unlabelled_appeals_add_a_few_confident_pseudo_labels_per_category(split, tree):
    """Self-training takes at most PSEUDO_PER_CLASS unlabelled texts per category (only ones the first
    SVM scores positively for it); without unlabelled texts the model is trained as before."""
    from gongzhi.triage import classifier

    (x, y), (held, _) = split
    off_topic = ["今天天气不错\n随便说说", "测试\n你好你好"] * 5
    model = TextClassifier().fit(x, y, unlabeled=held + off_topic, category_tree=tree, evaluate=False)
    n = model.report["pseudo_labelled"]
    assert 0 < n <= classifier.PSEUDO_PER_CLASS * len(model.labels)
    assert n <= len(held) + len(off_topic)
    assert "self-training" in model.report["model"]
    plain = TextClassifier().fit(x, y, category_tree=tree, evaluate=False)
    assert plain.report["pseudo_labelled"] == 0
    assert {p.label for p in model.predict(held[:20])} <= set(model.labels)
