"""Triage at intake, as dispatchers and supervisors see it: suggestions, duplicates, risk, hot
issues and alerts, and confident appeals dispatched without waiting in the queue."""
import io

import pytest
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Channel, Status
from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.triage import services as triage
from gongzhi.triage.classifier import TextClassifier
from gongzhi.triage.models import Alert, HotIssue

HOUSING = ["小区电梯坏了物业不修", "物业公司乱收物业费", "楼道堆放杂物物业不管", "小区停车位被物业占用",
           "物业服务差电梯经常停运", "物业不公开公共收益", "小区绿化被物业破坏", "物业维修基金使用不透明"]
NOISE = ["夜间施工噪音扰民严重", "广场舞音响太吵影响休息", "工地凌晨打桩噪声很大", "酒吧音乐噪音扰民",
         "装修电钻噪音周末不停", "餐馆排风机噪声大", "道路施工夜间噪音", "KTV深夜噪音扰民"]


def receive(org, title, content, phone="13812345678", **extra):
    appeal, _ = services.receive(channel="web", title=title, content=content, appellant_name="李四",
                                 appellant_phone=phone, lat=39.905, lon=116.405, **extra)
    return appeal


@pytest.fixture
def trained(org, tmp_path):
    texts = [f"{t}\n{t}，希望有关部门尽快处理。" for t in HOUSING * 4] + [f"{t}\n{t}，请相关部门处理。" for t in NOISE * 4]
    labels = [org.cat_root.name] * (len(HOUSING) * 4) + ["噪声污染"] * (len(NOISE) * 4)
    model = TextClassifier().fit(texts, labels)
    return triage.register_model(model, "test", len(texts))


def test_a_new_appeal_gets_category_suggestions_with_departments(org, trained):
    org.cat_root.auto_dispatch_threshold = 1.01  # never automatic: the dispatcher decides
    org.cat_root.save()
    appeal = receive(org, "小区物业不修电梯", "我们小区电梯坏了，物业公司一直不修。")
    suggestions = appeal.triage["suggestions"]
    assert suggestions[0]["label"] == "城乡建设"
    assert suggestions[0]["department_name"] == "区住建局"
    assert len(suggestions) == 2 and suggestions[0]["key_terms"]
    assert appeal.status == Status.RECEIVED


def test_a_confident_appeal_is_dispatched_automatically(org, trained):
    org.cat_root.auto_dispatch_threshold = 0.3
    org.cat_root.save()
    appeal = receive(org, "物业公司乱收物业费", "物业公司乱收物业费，希望有关部门尽快处理。")
    assert appeal.triage["suggestions"][0]["sure"]
    assert appeal.status == Status.DISPATCHED
    assert appeal.lead_department == org.housing
    event = appeal.events.get(kind="dispatched")
    assert event.actor is None and event.data["automatic"] is True


def test_a_repeat_by_the_same_person_is_shown_to_the_dispatcher(org):
    first = receive(org, "东湖社区3栋电梯故障", "东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难。")
    second = receive(org, "东湖社区3栋电梯还是坏的", "东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难，再次反映。")
    found = second.triage["duplicates"]
    assert [d["tracking_number"] for d in found] == [first.tracking_number]
    assert "同一留言人" in found[0]["reason"]
    assert second.status == Status.RECEIVED  # a likely duplicate is never auto-dispatched


def test_group_incident_signals_raise_a_red_alert_to_the_regions_supervisors(org, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = receive(org, "拖欠工资", "工地拖欠我们五十多名农民工工资半年，明天大家准备去区政府集体上访，拉横幅讨薪。")
    alert = Alert.objects.get(appeal=appeal)
    assert alert.kind == Alert.Kind.GROUP_SIGNAL and alert.level == Alert.Level.RED
    assert any("横幅" in r for r in alert.reasons)
    assert Notification.objects.filter(user=org.east_supervisor, kind="alert").exists()
    assert not Notification.objects.filter(user=org.handler_housing, kind="alert").exists()
    assert appeal.risk_score >= 40 and appeal.urgency != "normal"

    client.force_login(org.east_supervisor)
    assert alert.title in client.get(reverse("triage:alerts")).content.decode()
    client.post(reverse("triage:alert_action", args=[alert.pk]), {"action": "acknowledge", "note": "已联系劳动监察"})
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == org.east_supervisor
    client.post(reverse("triage:alert_action", args=[alert.pk]), {"action": "convert", "target": "appeal", "note": ""})
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED  # converting needs an explanation
    client.post(reverse("triage:alert_action", args=[alert.pk]), {"action": "convert", "target": "appeal", "note": "转人民调解"})
    alert.refresh_from_db()
    follow_up = alert.converted_to  # a real link to what the alert became: a new appeal for the dispatchers
    assert alert.state == Alert.State.CONVERTED and isinstance(follow_up, Appeal)
    assert follow_up.channel == Channel.ALERT and follow_up.status == Status.RECEIVED and follow_up.pk != appeal.pk
    assert appeal.tracking_number in follow_up.content and "转人民调解" in follow_up.content
    assert follow_up.events.filter(kind="from_alert", data__alert=alert.pk).exists()
    assert list(alert.events.values_list("kind", flat=True)) == ["raised", "acknowledged", "converted"]
    assert AuditEntry.objects.filter(action="alert_converted", target_id=str(alert.pk)).exists()
    assert f"/staff/appeals/{follow_up.pk}/" in client.get(reverse("triage:alert", args=[alert.pk])).content.decode()


def test_alerts_are_out_of_scope_for_a_department_handler(org, client):
    appeal = receive(org, "业主拉横幅", "全体业主准备明天拉横幅堵路抗议开发商延期交房。")
    alert = Alert.objects.get(appeal=appeal)
    client.force_login(org.handler_housing)
    assert client.get(reverse("triage:alert", args=[alert.pk])).status_code == 404


def test_appeals_about_one_problem_at_one_place_become_a_hot_issue_on_the_board(org, client):
    texts = ["阳光花园小区垃圾站臭气熏天", "阳光花园小区垃圾站气味难闻", "阳光花园垃圾站臭味影响居民", "阳光花园小区垃圾站夏天太臭了"]
    for i, t in enumerate(texts):
        receive(org, t, f"{t}，垃圾站离住宅楼太近，每天臭味很大，希望搬迁垃圾站。", phone=f"1390000000{i}")
    receive(org, "西山路路灯不亮", "西山路路灯坏了一周，晚上走路很危险。", phone="13700000009")
    issue = HotIssue.objects.get(size__gte=3)
    assert "垃圾" in issue.title and issue.distinct_people == issue.size
    client.force_login(org.supervisor)
    page = client.get(reverse("triage:hot_board")).content.decode()
    assert issue.title in page
    detail = client.get(reverse("triage:hot_issue", args=[issue.pk])).content.decode()
    assert detail.count("阳光花园") >= 3


def test_a_reply_is_scored_for_quality(org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    reply = services.reply(appeal, org.handler_housing, "经核查，东湖社区3栋电梯主板损坏，已责令物业于本周内更换，现已恢复运行。如有疑问请联系区住建局，电话12345。")
    reply.refresh_from_db()
    assert reply.quality["score"] > 50 and set(reply.quality) >= {"relevance", "completeness", "clarity"}


def test_the_model_page_shows_per_class_precision_and_the_confusion_matrix(org, trained, client):
    client.force_login(org.dispatcher)
    page = client.get(reverse("triage:model")).content.decode()
    assert trained.version in page and "混淆矩阵" in page and "噪声污染" in page


def test_training_from_the_database_needs_enough_closed_appeals(org):
    with pytest.raises(ActionRefused):
        triage.train_from_database()


def test_the_backlog_of_undispatched_appeals_is_triaged_without_dispatching(org, trained):
    org.cat_root.auto_dispatch_threshold = 0.0
    org.cat_root.save()
    waiting, _ = services.receive(channel="web", title="物业公司乱收物业费", content="物业乱收费。", appellant_phone="13812345678",
                                  run_hooks=False)
    assert triage.triage_backlog() == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.RECEIVED and waiting.triage["suggestions"][0]["label"] == "城乡建设"
    assert triage.triage_backlog() == 0  # done once


def test_the_backlog_command_triages_appeals_that_arrived_without_intake(org, trained):
    from django.core.management import call_command

    services.receive(channel="web", title="小区噪音扰民", content="夜里施工噪音。", appellant_phone="13812345678",
                     run_hooks=False)
    out = io.StringIO()
    call_command("triage", "backlog", stdout=out)
    assert out.getvalue().strip() == "1 waiting appeals analysed"
