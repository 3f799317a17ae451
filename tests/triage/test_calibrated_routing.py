"""Honest confidences and the routing they drive: probabilities that mean what they say on real
appeals, automatic dispatch only where held-out precision reached its target, routing on the most
specific category the model is sure of, and never back to a department that returned the appeal."""
from __future__ import annotations

import numpy as np
import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Assignment, Category, Status
from gongzhi.core.models import Department, Role, RoleAssignment, User
from gongzhi.triage import services as triage
from gongzhi.triage.calibration import expected_calibration_error
from gongzhi.triage.classifier import LEVEL_SEP, TextClassifier
from gongzhi.triage.routing import rank_departments

HOUSING = ["小区电梯坏了物业不修", "物业公司乱收物业费", "楼道堆放杂物物业不管", "小区停车位被物业占用",
           "物业服务差电梯经常停运", "物业不公开公共收益", "小区绿化被物业破坏", "物业维修基金使用不透明"]
LAMPS = ["路灯不亮晚上一片漆黑", "小区门口路灯坏了", "主干道路灯损坏无人修", "人行道路灯闪烁不停",
         "路灯杆倾斜有危险", "公园路灯全部熄灭", "路灯白天亮晚上不亮", "桥上路灯坏了很久"]
NOISE = ["夜间施工噪音扰民严重", "广场舞音响太吵影响休息", "工地凌晨打桩噪声很大", "酒吧音乐噪音扰民",
         "装修电钻噪音周末不停", "餐馆排风机噪声大", "道路施工夜间噪音", "KTV深夜噪音扰民"]


PHONES = iter(range(13800000000, 13900000000))


def receive(title, content):
    """An appeal from a new person (one already heard would be a likely duplicate: never automatic)."""
    appeal, _ = services.receive(channel="web", title=title, content=content, appellant_name="李四",
                                 appellant_phone=str(next(PHONES)), lat=39.905, lon=116.405)
    appeal.refresh_from_db()
    return appeal


def corpus(groups):
    texts, labels = [], []
    for label, titles in groups:
        for i, t in enumerate(titles * 4):
            texts.append(f"{t}\n{t}，{'希望有关部门尽快处理' if i % 2 else '请相关部门处理'}。")
            labels.append(label)
    return texts, labels


@pytest.fixture
def city_works(org):
    """城管局 and its handler, and 市政设施 (street lamps) under 城乡建设, whose default is 住建局."""
    cgj = Department.objects.create(name="区城管局", code="CGJ", region=org.district)
    handler = User.objects.create_user(username="handler_cgj", password=org.password, display_name="handler_cgj")
    RoleAssignment.objects.create(user=handler, role=Role.HANDLER, department=cgj)
    lamps = Category.objects.create(name="市政设施", code="CXJS-SZ", parent=org.cat_root, default_department=cgj)
    return cgj, handler, lamps


def train_levels(org):
    root = org.cat_root.name
    texts, labels = corpus([(f"{root}{LEVEL_SEP}物业管理", HOUSING), (f"{root}{LEVEL_SEP}市政设施", LAMPS),
                            (org.cat_noise.name, NOISE)])
    return triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))


# ---------------------------------------------------------------- probabilities

def test_on_a_held_out_split_of_real_appeals_confidences_are_calibrated_probabilities(appeals_dir):
    from gongzhi.triage.text import column_values, join_fields, read_csv_rows

    path = appeals_dir / "labeled_messages.csv"
    header, rows = read_csv_rows(path)
    texts = [join_fields(v) for v in zip(column_values(header, rows, "留言主题", path),
                                         column_values(header, rows, "留言详情", path))]
    labels = [v.strip() for v in column_values(header, rows, "一级标签", path)]
    order = np.random.default_rng(7).permutation(len(texts))
    test, train = order[:300], order[300:]
    model = TextClassifier().fit([texts[i] for i in train], [labels[i] for i in train])
    prob = model.predict_proba([texts[i] for i in test])
    conf = prob.max(1)
    right = np.array(model.labels)[prob.argmax(1)] == np.array([labels[i] for i in test])
    assert ((conf > 0.05) & (conf < 0.95)).mean() > 0.2  # not every suggestion is 100% / 0%
    assert expected_calibration_error(conf, right) < 0.1  # 0.04 on five outer folds (bench/classify.py)
    # the threshold for 90% was chosen on the training folds; held out it gives about that precision
    threshold = model.threshold(0.9)
    assert threshold is not None and 0.3 < threshold < 1
    chosen = conf >= threshold
    assert chosen.mean() > 0.5 and right[chosen].mean() > 0.85


def test_a_model_whose_held_out_predictions_were_all_right_does_not_claim_certainty():
    texts, labels = corpus([("城乡建设", HOUSING), ("噪声污染", NOISE)])
    model = TextClassifier().fit(texts, labels)
    n = model.report["n_train"]
    assert model.report["cv_accuracy"] == 1.0
    top = model.predict_proba(texts).max(1)
    assert top.max() <= (n + 1) / (n + 2) + 0.01  # 64 held-out successes do not make 100%
    assert model.predict(["物业公司乱收物业费\n物业公司乱收物业费"])[0].confidence < 0.995


def test_routing_feedback_outweighs_a_default_that_others_handle():
    assert rank_departments(1, {})[0][0] == 1
    assert rank_departments(1, {2: (23, 0)})[0][0] == 2  # 23 street-lamp appeals went to 城管局
    assert rank_departments(1, {1: (0, 4), 2: (1, 0)}) == [(2, 1.0)]  # returns are negative evidence
    assert rank_departments(1, {2: (5, 0)}, exclude={2})[0][0] == 1


# ---------------------------------------------------------------- the gate

def test_an_appeal_below_the_threshold_for_the_target_precision_waits_for_the_dispatcher(org):
    texts, labels = corpus([(org.cat_root.name, HOUSING), (org.cat_noise.name, NOISE)])
    version = triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))
    org.cat_root.auto_dispatch_threshold = 0.3  # the category asks little; the model's threshold decides
    org.cat_root.save()
    at_97 = next(row for row in version.report["dispatch_thresholds"] if row["target"] == 0.97)
    assert at_97["leaf"]["threshold"] is not None and version.report["cv_ece"] < 0.1
    unsure = receive("物业不管楼下噪音", "楼下装修电钻噪音很大，物业也不管。")
    best = unsure.triage["suggestions"][0]
    assert 0.3 < best["confidence"] < best["threshold"] and not best["sure"]
    assert unsure.status == Status.RECEIVED
    sure = receive("物业公司乱收物业费", "物业公司乱收物业费，请相关部门处理。")
    assert sure.triage["suggestions"][0]["sure"] and sure.status == Status.DISPATCHED


def test_the_target_precision_is_a_setting(org, settings):
    texts, labels = corpus([(org.cat_root.name, HOUSING), (org.cat_noise.name, NOISE)])
    triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))
    org.cat_root.auto_dispatch_threshold = 0.3
    org.cat_root.save()
    settings.GONGZHI = {**settings.GONGZHI, "AUTO_DISPATCH_PRECISION": 1.01}  # unreachable: nothing is sure
    appeal = receive("物业公司乱收物业费", "物业公司乱收物业费，请相关部门处理。")
    assert appeal.triage["suggestions"][0]["threshold"] is None and appeal.status == Status.RECEIVED


# ---------------------------------------------------------------- the most specific sure category

def test_a_street_lamp_appeal_goes_by_its_second_level_category_to_its_department(org, city_works):
    cgj, _handler, lamps = city_works
    train_levels(org)
    appeal = receive("小区门口路灯坏了", "小区门口路灯坏了，请相关部门处理。")
    best = appeal.triage["suggestions"][0]
    assert best["level"] == "leaf" and best["category"] == lamps.pk and best["sure"]
    assert best["department"] == cgj.pk and best["department_name"] == "区城管局"
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == cgj and appeal.category == lamps


def test_when_the_second_level_is_unsure_the_first_level_and_its_department_are_suggested(org, city_works):
    train_levels(org)
    appeal = receive("城乡建设问题", "小区的事情物业和路灯都有问题。")
    best = appeal.triage["suggestions"][0]
    if best["level"] == "root":
        assert best["category"] == org.cat_root.pk and best["department"] == org.housing.pk
    else:  # the model was sure of a second level after all: then it reached its threshold
        assert best["sure"]
    assert all(s["sure"] == (s["threshold"] is not None and s["confidence"] >= s["threshold"])
               for s in appeal.triage["suggestions"])


def test_routing_history_sends_a_category_where_its_appeals_were_taken(org, city_works):
    cgj, handler, lamps = city_works
    lamps.default_department = org.housing  # a wrong default: 城管局 takes these in practice
    lamps.save()
    for i in range(5):
        earlier = receive(f"路灯坏了{i}", "路灯不亮。")
        services.dispatch(earlier, org.dispatcher, cgj, category=lamps)
        services.acknowledge(earlier.assignments.get(), handler)
    train_levels(org)
    triage.INDEXES.reset()
    appeal = receive("小区门口路灯坏了", "小区门口路灯坏了，请相关部门处理。")
    assert appeal.triage["suggestions"][0]["department"] == cgj.pk
    assert triage.routing_feedback()[lamps.pk][cgj.pk] == (5, 0)


# ---------------------------------------------------------------- returns (退单)

def test_a_returned_appeal_is_never_suggested_to_the_department_that_returned_it(
        org, city_works, django_capture_on_commit_callbacks):
    cgj, handler, lamps = city_works
    train_levels(org)
    lamps.auto_dispatch_threshold = 1.01  # the dispatcher dispatches by hand
    lamps.save()
    appeal = receive("小区门口路灯坏了", "小区门口路灯坏了，请相关部门处理。")
    assert appeal.triage["suggestions"][0]["department"] == cgj.pk
    services.dispatch(appeal, org.dispatcher, cgj, category=lamps)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_assignment(appeal.assignments.get(), handler, "路灯归区住建局下属路灯所管理")
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED
    suggested = [s["department"] for s in appeal.triage["suggestions"]]
    assert suggested and cgj.pk not in suggested
    # the return counts against the pair in the routing feedback
    assert triage.routing_feedback()[lamps.pk][cgj.pk] == (0, 1)
    assert Assignment.objects.get(appeal=appeal).state == Assignment.State.RETURNED


def test_a_probability_short_of_one_is_never_shown_as_certain(client, org):
    from django.urls import reverse

    appeal = receive("小区门口路灯坏了", "小区门口路灯坏了。")
    appeal.triage = {"suggestions": [{"label": "城乡建设", "confidence": 0.9966, "category": org.cat_root.pk,
                                      "department": org.housing.pk, "sure": True}]}
    appeal.save()
    client.force_login(org.dispatcher)
    page = client.get(reverse("staff:appeal_detail", args=[appeal.pk])).content.decode()
    assert "一键派给 区住建局" in page and "99%" in page and "100%" not in page
