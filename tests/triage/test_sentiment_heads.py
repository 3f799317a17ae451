"""The two linear heads of the sentiment model: NB-SVM weights folded into plain coefficients."""
from __future__ import annotations

import numpy as np

from gongzhi.triage.sentiment import SentimentModel
from gongzhi.triage.text import CharTfidf

TEXTS = ["好吃", "很好吃", "送得快", "味道不错", "满意", "还会再点",
         "难吃", "太慢了", "凉了", "不好吃", "差评", "再也不点"] * 4
LABELS = ([1] * 6 + [0] * 6) * 4


def test_folded_nbsvm_head_equals_lr_on_ratio_scaled_rows():
    m = SentimentModel(C=5.0, nb_C=5.0)
    vec = CharTfidf(max_n=3).fit(TEXTS)
    X = vec.transform(TEXTS)
    y = np.array(LABELS)
    (lr_coef, nb_coef), (lr_b, nb_b) = m._heads(X, y)
    present = (X > 0).astype(np.float64)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + 1
    r = np.log(p / p.sum()) - np.log(q / q.sum())
    scaled = X.multiply(r).tocsr()
    nb = m._lr(5.0).fit(scaled, y)
    assert np.allclose(X @ nb_coef + nb_b, nb.decision_function(scaled), atol=1e-6)
    assert lr_coef.shape == nb_coef.shape == (len(vec),)


def test_score_is_the_mean_of_both_heads_and_labels_follow_it():
    m = SentimentModel().fit(TEXTS, LABELS, evaluate=False)
    assert m._coef.shape[0] == 2  # one LR and one NB-SVM row, no domains
    p = m.predict_proba(["很好吃", "太难吃了"])
    assert p[0] > 0.5 > p[1]
    assert m.predict(["很好吃", "太难吃了"]) == [1, 0]


def test_two_domains_keep_two_heads_each():
    m = SentimentModel().fit(TEXTS + TEXTS, LABELS + LABELS, domains=["a"] * 48 + ["b"] * 48, evaluate=False)
    assert m._coef.shape[0] == 4 and m._router_coef.shape[0] == 2
