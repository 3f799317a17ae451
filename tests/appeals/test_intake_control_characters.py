"""Invisible control characters (other than tab and line breaks) are refused at intake on every channel,
with a message next to the field, and nothing is stored: they break the Excel export and XML feeds."""
from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.api.models import ApiToken
from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import FieldErrors

MESSAGE = "含有不可见的控制字符"


@pytest.mark.parametrize("field", ["title", "content", "location_text", "appellant_name"])
@pytest.mark.parametrize("bad", ["\u0001\u000b", "\x1b[31m", "\x7f", "a\rb"])
def test_the_service_refuses_control_characters_in_every_text_field(org, field, bad):
    data = dict(channel="web", title="路灯不亮", content="东湖社区5栋门前路灯坏了", location_text="东湖社区5栋",
                appellant_name="张三", appellant_phone="13812345678")
    data[field] = data[field][:2] + bad + data[field][2:]
    with pytest.raises(FieldErrors) as refused:
        services.receive(**data)
    assert list(refused.value.errors) == [field] and MESSAGE in refused.value.errors[field]
    assert not Appeal.objects.exists()


def test_tabs_line_breaks_and_c1_mojibake_are_ordinary_text(org):
    # U+0080-U+009F: legal in XML and XLSX, and what UTF-8 read as Latin-1 leaves ("Parksâ\x80\x99")
    content = "第一行\r\n第二行\n第三行\t完 Parksâ\x80\x99 Tree"
    appeal, _ = services.receive(channel="web", title="路灯\t不亮", content=content,
                                 appellant_phone="13812345678", run_hooks=False)
    assert appeal.content == content


def test_the_web_form_shows_the_error_next_to_the_field(client, org):
    response = client.post(reverse("portal:submit"), {
        "title": "小区电梯\u0001\u000b故障", "content": "东湖社区3栋电梯坏了两个月。", "appellant_name": "张三",
        "appellant_phone": "13812345678"})
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert "title" in response.context["form"].errors
    assert not Appeal.objects.exists()


def test_the_staff_desk_shows_the_error_next_to_the_field(client, org):
    client.force_login(org.operator)
    response = client.post(reverse("staff:desk"), {
        "appellant_phone": "13900001111", "appellant_name": "李四", "title": "楼道堆放杂物",
        "content": "5栋楼道\x02长期堆放杂物", "urgency": "normal", "category": org.cat_property.pk})
    assert response.status_code == 400 and "content" in response.context["form"].errors
    assert MESSAGE in response.content.decode() and not Appeal.objects.exists()


def test_the_json_api_answers_422_with_the_field(org):
    raw = ApiToken.issue(org.operator, "t")[1]
    response = Client().post("/api/v1/appeals", json.dumps({
        "title": "路灯不亮", "content": "东湖社区5栋门前路灯\x0b坏了", "category": "CXJS-WY",
        "appellant_name": "李四", "appellant_phone": "13900001111"}),
        content_type="application/json", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", "content"] and MESSAGE in detail["msg"]
    assert not Appeal.objects.exists()
