"""What one appeal submitted over the JSON API costs the database: a bounded number of statements,
triage, automatic dispatch and the event hooks included, and no more for the hundredth report of a
hot issue than for the third. Every statement is a round trip and Python work on the server's one
interpreter lock, so intake throughput follows this count (bench/load_intake.py measures the rate)."""
from __future__ import annotations

import shutil

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.api import webhooks
from gongzhi.api.models import WebhookDelivery, WebhookSubscription
from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Status
from gongzhi.triage import services as triage
from gongzhi.triage.classifier import TextClassifier

HOUSING = ["小区电梯坏了物业不修", "物业公司乱收物业费", "楼道堆放杂物物业不管", "小区停车位被物业占用",
           "物业服务差电梯经常停运", "物业不公开公共收益", "小区绿化被物业破坏", "物业维修基金使用不透明"]
NOISE = ["夜间施工噪音扰民严重", "广场舞音响太吵影响休息", "工地凌晨打桩噪声很大", "酒吧音乐噪音扰民",
         "装修电钻噪音周末不停", "餐馆排风机噪声大", "道路施工夜间噪音", "KTV深夜噪音扰民"]
HOT = "阳光花园小区垃圾站臭气熏天"

# The bounds this intake reaches (statements as Django sends them, savepoints included; in a test
# the hooks' own transactions are savepoints too). Lower them when a change saves statements; a
# change that needs more says why here.
# The acceptance message to an appellant who gave a phone (appeals.notifying) costs 4 of them: its
# hook's savepoint and release, the delivery row, the worker's task row; it is sent by the worker.
# The token and its user's roles are read by the first request only (api.security keeps them);
# a hot issue's row is counted in with UPDATE … RETURNING and a new one written with one INSERT …
# ON CONFLICT DO NOTHING; an event no webhook wants opens no transaction. The appeal's INSERT has
# no savepoint of its own (a collision rolls back the whole intake transaction, which it opens).
# In production the triage hook's savepoint pair and the BEGIN/COMMIT around each evaluation mark
# go too (core.hooks atomic=False: no atomic block of their own when no transaction is open);
# inside the test's transaction they still get one, so they count here.
DISPATCHED_BOUND = 27 + 4  # a new appeal, classified, dispatched to its department, hooks run
HOT_BOUND = 19 + 4         # a report joining a hot issue (likely duplicates: not dispatched)


def train(org):
    texts = [f"{t}\n{t}，希望有关部门尽快处理。" for t in HOUSING * 4] + [f"{t}\n{t}，请相关部门处理。" for t in NOISE * 4]
    labels = [org.cat_root.name] * (len(HOUSING) * 4) + ["噪声污染"] * (len(NOISE) * 4)
    triage.register_model(TextClassifier().fit(texts, labels), "test", len(texts))
    org.cat_root.auto_dispatch_threshold = 0.3
    org.cat_root.save()


def hot_report(n: int) -> dict:
    return {"title": HOT, "content": f"阳光花园小区{n % 30 + 1}栋旁边的垃圾站离住宅楼太近，每天臭味很大，希望尽快搬迁垃圾站。",
            "appellant_name": "张三", "appellant_phone": f"1390000{n:04d}", "location_text": ""}


def statements(client, payload, capture_hooks) -> tuple[int, dict]:
    """The statements one POST /appeals sends, with what runs after its commit (the event hooks)."""
    with CaptureQueriesContext(connection) as ctx, capture_hooks(execute=True):
        response = client.post("/appeals", payload)
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries), response.json()


def test_a_classified_and_dispatched_intake_stays_under_its_statement_bound(org, api_as,
                                                                            django_capture_on_commit_callbacks):
    train(org)
    client = api_as(org.operator)
    statements(client, {"title": "楼道堆放杂物物业不管", "content": "物业公司不管楼道堆物。", "appellant_phone": "13800000001"},
               django_capture_on_commit_callbacks)  # the first request loads the model and indexes
    count, body = statements(client, {"title": "物业公司乱收物业费", "content": "物业公司乱收物业费，希望有关部门尽快处理。",
                                      "appellant_name": "李四", "appellant_phone": "13800000002"},
                             django_capture_on_commit_callbacks)
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.housing
    assert count <= DISPATCHED_BOUND, f"{count} statements for one dispatched intake (bound {DISPATCHED_BOUND})"


def test_joining_a_hot_issue_costs_the_same_statements_whatever_its_size(org, api_as,
                                                                         django_capture_on_commit_callbacks):
    train(org)
    client = api_as(org.operator)
    counts = {}
    for n in range(40):
        count, body = statements(client, hot_report(n), django_capture_on_commit_callbacks)
        counts[n] = count
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.triage.get("hot_issue") and appeal.hot_issues.get().size == 40
    assert counts[39] <= HOT_BOUND, f"{counts[39]} statements to join a hot issue of 39 (bound {HOT_BOUND})"
    assert counts[39] <= counts[5], counts  # the fortieth report costs no more than the sixth


def test_an_event_nobody_subscribed_to_asks_nothing_about_webhooks(org, make_appeal,
                                                                   django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(owner=org.supervisor, url="https://hooks.example.org/in", secret="s",
                                       events=["closed"])
    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(appeal, org.dispatcher, org.housing)  # the kinds wanted are read once, then cached
    event = appeal.events.get(kind="dispatched")
    with CaptureQueriesContext(connection) as ctx:
        webhooks.on_event(event)
    assert ctx.captured_queries == []
    assert not WebhookDelivery.objects.exists()


def test_a_subscription_made_now_hears_the_next_event_though_the_kinds_were_cached(
        org, make_appeal, django_capture_on_commit_callbacks):
    first, second = make_appeal(), make_appeal(appellant_phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(first, org.dispatcher, org.housing)  # no subscriber yet: that is cached
    WebhookSubscription.objects.create(owner=org.supervisor, url="https://hooks.example.org/in", secret="s",
                                       events=["dispatched"])
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(second, org.dispatcher, org.housing)
    assert list(WebhookDelivery.objects.values_list("payload__appeal__id", flat=True)) == [second.pk]
    # and one disabled meanwhile is not sent to from the cache
    WebhookSubscription.objects.update(active=False)
    third = make_appeal(appellant_phone="13912345679")
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(third, org.dispatcher, org.housing)
    assert WebhookDelivery.objects.count() == 1


def test_an_intake_triaged_again_counts_once_in_its_hot_issue(org, api_as, django_capture_on_commit_callbacks):
    train(org)
    client = api_as(org.operator)
    for n in range(4):
        _count, body = statements(client, hot_report(n), django_capture_on_commit_callbacks)
    appeal = Appeal.objects.get(pk=body["id"])
    issue = appeal.hot_issues.get()
    assert (issue.size, issue.appeals.count()) == (4, 4)
    triage.on_intake(appeal)  # a retried intake hook
    issue.refresh_from_db()
    assert (issue.size, issue.appeals.count(), issue.distinct_people) == (4, 4, 4)


def _as_stored(client, body: dict) -> dict:
    """What the API says of the appeal when asked again: the row as stored."""
    again = client.get(f"/appeals/{body['id']}").json()
    return {key: again[key] for key in body if key != "access_code"}


def test_the_answer_to_an_intake_is_the_row_as_stored_though_intake_does_not_read_it_again(
        org, api_as, django_capture_on_commit_callbacks):
    # triage changes the appeal after its commit (risk, deadlines, the automatic dispatch) on the
    # instance it writes with, so the answer needs no read of the row once the hooks are done
    train(org)
    client = api_as(org.operator)
    statements(client, {"title": "楼道堆放杂物物业不管", "content": "物业公司不管楼道堆物。", "appellant_phone": "13800000001"},
               django_capture_on_commit_callbacks)
    _count, body = statements(client, {"title": "物业公司乱收物业费", "content": "物业公司乱收物业费，希望有关部门尽快处理。",
                                       "appellant_name": "李四", "appellant_phone": "13800000002"},
                              django_capture_on_commit_callbacks)
    assert body["status"] == "dispatched" and body["lead_department_id"] == org.housing.pk
    assert {key: body[key] for key in body if key != "access_code"} == _as_stored(client, body)


def test_the_answer_to_an_intake_whose_triage_failed_is_the_row_as_stored(org, api_as,
                                                                           django_capture_on_commit_callbacks):
    train(org)
    broken = triage.ClassifierVersion.objects.get(active=True)
    triage.INDEXES.reset()
    shutil.rmtree(broken.path)  # the active model's files are gone: the analysis fails at intake
    client = api_as(org.operator)
    _count, body = statements(client, {"title": "物业公司乱收物业费", "content": "物业公司乱收物业费，希望有关部门尽快处理。",
                                       "appellant_name": "李四", "appellant_phone": "13800000002"},
                              django_capture_on_commit_callbacks)
    assert Appeal.objects.get(pk=body["id"]).triage["failed"]
    assert body["status"] == "received" and body["lead_department_id"] is None
    assert {key: body[key] for key in body if key != "access_code"} == _as_stored(client, body)
