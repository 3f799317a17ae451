"""Review polarity, as `gongzhi triage sentiment` and the risk score see it."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from gongzhi.triage.sentiment import SentimentModel
from gongzhi.triage.text import column_values, read_csv_rows


def _reviews(path, n=None):
    header, rows = read_csv_rows(path)
    texts = column_values(header, rows, "review", path)
    labels = [int(v) for v in column_values(header, rows, "label", path)]
    return texts[:n], labels[:n]


@pytest.fixture(scope="session")
def waimai(reviews_dir):
    texts, labels = _reviews(reviews_dir / "waimai_10k.csv")
    rng = np.random.default_rng(3)
    order = rng.permutation(len(texts))
    pick = lambda idx: ([texts[i] for i in idx], [labels[i] for i in idx])  # noqa: E731
    return pick(order[:3000]), pick(order[3000:4500])


@pytest.fixture(scope="session")
def model(waimai):
    (x, y), _ = waimai
    return SentimentModel().fit(x, y, evaluate=False)


def test_held_out_reviews_get_the_right_polarity(model, waimai):
    _, (x, y) = waimai
    assert np.mean(np.array(model.predict(x)) == np.array(y)) >= 0.85


def test_plainly_worded_reviews(model):
    assert model.predict(["非常好吃，送餐也很快，下次还点", "太难吃了，等了两个小时才送到，再也不点了"]) == [1, 0]


def test_saved_model_gives_the_same_scores(model, tmp_path):
    texts = ["味道一般", "很满意", "送错了"]
    model.save(tmp_path / "s")
    assert np.allclose(SentimentModel.load(tmp_path / "s").predict_proba(texts), model.predict_proba(texts))


def test_two_corpora_are_learnt_as_two_domains(reviews_dir):
    hx, hy = _reviews(reviews_dir / "ChnSentiCorp_htl_all.csv")
    wx, wy = _reviews(reviews_dir / "waimai_10k.csv")
    hx, hy, wx, wy = hx[::5], hy[::5], wx[::8], wy[::8]  # the files are sorted by label
    m = SentimentModel().fit(hx + wx, hy + wy, domains=["hotel"] * len(hx) + ["waimai"] * len(wx))
    assert m.domains == ["hotel", "waimai"]
    assert m.report["holdout_accuracy"] >= 0.8
    assert set(m.report["holdout_accuracy_by_domain"]) == {"hotel", "waimai"}
    assert m.predict(["房间干净，前台服务热情", "外卖送来全凉了，米饭是硬的"]) == [1, 0]


@pytest.fixture
def review_csv(waimai, tmp_path):
    (x, y), (tx, _) = waimai
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    with open(train, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["label", "review"]] + [[b, a] for a, b in zip(x[:1500], y[:1500])])
    with open(test, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["label", "review"]] + [[0, t] for t in tx[:200]])
    return train, test


def test_a_corpus_whose_one_domain_has_a_single_polarity_still_trains():
    m = SentimentModel().fit(["好", "很好", "不错", "差", "很差", "糟糕"] * 5 + ["满意"] * 5,
                             [1, 1, 1, 0, 0, 0] * 5 + [1] * 5, domains=["a"] * 30 + ["b"] * 5, evaluate=False)
    assert m.predict(["很好", "很差"]) == [1, 0]


def test_cli_writes_row_label_score(triage_cli, review_csv, tmp_path):
    train, test = review_csv
    code, _, err = triage_cli("sentiment-train", "--csv", train, "--text", "review", "--label", "label",
                              "--model", tmp_path / "m")
    assert code == 0, err
    code, _, err = triage_cli("sentiment", "--csv", test, "--text", "review", "--out", tmp_path / "o.csv",
                              "--model", tmp_path / "m")
    assert code == 0, err
    with open(tmp_path / "o.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["row", "label", "score"]
    assert [int(r[0]) for r in rows[1:]] == list(range(200))
    assert all(r[1] in ("0", "1") and 0 <= float(r[2]) <= 1 and (r[1] == "1") == (float(r[2]) >= 0.5)
               for r in rows[1:])


def test_cli_without_any_model_says_to_run_sentiment_train(triage_cli, review_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_SENTIMENT_MODEL", str(tmp_path / "cache"))
    monkeypatch.setenv("GONGZHI_SHARED_DIR", str(tmp_path / "no-shared"))
    _, test = review_csv
    code, _, err = triage_cli("sentiment", "--csv", test, "--text", "review", "--out", tmp_path / "o.csv")
    assert code == 2 and "sentiment-train" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_cli_uses_the_cached_default_model(triage_cli, review_csv, model, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGZHI_SENTIMENT_MODEL", str(tmp_path / "cache"))
    model.save(tmp_path / "cache")
    _, test = review_csv
    code, _, err = triage_cli("sentiment", "--csv", test, "--text", "review", "--out", tmp_path / "o.csv")
    assert code == 0, err
    assert len((tmp_path / "o.csv").read_text("utf-8").splitlines()) == 201


def test_cli_rejects_labels_that_are_not_0_or_1(triage_cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,review\n好评,很好\n差评,很差\n", "utf-8")
    code, _, err = triage_cli("sentiment-train", "--csv", bad, "--text", "review", "--label", "label",
                              "--model", tmp_path / "m")
    assert code == 2 and "'label'" in err and len(err.strip().splitlines()) == 1
