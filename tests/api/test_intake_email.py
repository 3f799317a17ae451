"""Issue 13: an appellant who leaves an e-mail through Open311 (`email`) or the JSON API
(`appellant_email`) is told of every step by e-mail, as one who used the web form, on a real SMTP
server; staff see that address masked only."""
from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.core import delivery
from gongzhi.core.models import Delivery
from tests.notify_peers import smtp  # noqa: F401  (fixture)

REPLY = "经核查，电梯主板损坏，已督促物业公司更换主板，电梯于本周三恢复正常运行。"
EMAIL = "li.si@example.com"


@pytest.fixture
def send_all(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = action(*args, **kwargs)
        for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
            delivery.attempt(pk)
        return result
    return run


def answered(appeal, org, send_all):
    send_all(services.dispatch, appeal, org.dispatcher, org.housing)
    send_all(services.acknowledge, appeal.assignments.get(), org.handler_housing)
    send_all(services.reply, appeal, org.handler_housing, REPLY)


def test_an_open311_request_with_an_email_is_told_by_email(org, token_for, smtp, send_all):
    key = token_for(org.operator, "fixmystreet")
    created = send_all(Client().post, "/open311/v2/requests.json", {
        "api_key": key, "service_code": org.cat_property.code, "address_string": "东湖社区3栋",
        "description": "3栋电梯停运两周", "email": EMAIL})
    assert created.status_code == 200, created.content
    appeal = Appeal.objects.get(tracking_number=created.json()[0]["service_request_id"])
    assert smtp.subjects() == [f"您的诉求已受理：{appeal.tracking_number}"]
    assert smtp.messages[0]["X-Envelope-To"] == EMAIL and "查询码：" in smtp.bodies()[0]
    answered(appeal, org, send_all)
    assert smtp.subjects()[-1] == f"您的诉求已答复：{appeal.tracking_number}"


def test_a_json_api_intake_with_an_email_is_told_by_email(org, api_as, smtp, send_all):
    api = api_as(org.operator)
    answer = send_all(api.post, "/appeals", {"title": "电梯故障", "content": "东湖社区3栋电梯坏了两个月",
                                             "category": org.cat_property.code, "appellant_name": "李四",
                                             "appellant_phone": "13812345678", "appellant_email": EMAIL})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert EMAIL not in answer.content.decode()
    assert smtp.subjects() == [f"您的诉求已受理：{body['tracking_number']}"]
    assert body["access_code"] in smtp.bodies()[0]
    answered(Appeal.objects.get(pk=body["id"]), org, send_all)
    assert smtp.subjects()[-1] == f"您的诉求已答复：{body['tracking_number']}"


def test_a_bad_email_is_a_field_error_and_an_anonymous_intake_keeps_none(org, api_as, smtp, send_all):
    api = api_as(org.operator)
    bad = api.post("/appeals", {"title": "电梯故障", "content": "电梯坏了", "appellant_email": "not-an-address"})
    assert bad.status_code == 422 and "appellant_email" in bad.content.decode()
    assert not Appeal.objects.exists()
    anonymous = send_all(api.post, "/appeals", {"title": "电梯故障", "content": "电梯坏了", "anonymous": True,
                                                "appellant_email": EMAIL})
    assert anonymous.status_code == 201 and smtp.messages == []


def test_staff_see_the_email_masked(client, org, api_as, send_all):
    api_as(org.operator).post("/appeals", {"title": "电梯故障", "content": "东湖社区3栋电梯坏了两个月",
                                            "appellant_name": "李四", "appellant_phone": "13812345678",
                                            "appellant_email": EMAIL})
    appeal = Appeal.objects.get()
    client.login(username="dispatcher", password=org.password)
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "l***@example.com" in page and EMAIL not in page


def test_the_api_gives_staff_the_email_masked_and_never_for_an_anonymous_appeal(org, api_as, send_all):
    api = api_as(org.operator)
    named = api.post("/appeals", {"title": "电梯故障", "content": "东湖社区3栋电梯坏了两个月", "appellant_email": EMAIL})
    anonymous = api.post("/appeals", {"title": "电梯故障", "content": "电梯坏了", "anonymous": True,
                                      "appellant_email": EMAIL})
    dispatcher = api_as(org.dispatcher)
    one = dispatcher.get(f"/appeals/{named.json()['id']}")
    assert one.status_code == 200 and one.json()["appellant_email"] == "l***@example.com"
    assert EMAIL not in one.content.decode()
    assert dispatcher.get(f"/appeals/{anonymous.json()['id']}").json()["appellant_email"] == ""
