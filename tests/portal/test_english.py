"""The public pages read wholly in English once English is chosen; only data stays Chinese."""
from __future__ import annotations

import pytest

from gongzhi.appeals import services
from tests.english import chinese_left


def english_visitor(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def page(client, url, method="get", data=None, status=200):
    response = getattr(client, method)(url, data or {}, follow=method == "post" and status == 200)
    assert response.status_code == status, (url, response.status_code)
    html = response.content.decode()
    assert '<html lang="en">' in html, url
    assert chinese_left(html) == [], url
    return html


@pytest.mark.django_db
def test_the_public_pages_have_no_chinese_left_in_english(client, org, make_appeal):
    c = english_visitor(client)
    home = page(c, "/")
    assert "Tell us what" in home and "wrong around you" in home
    form = page(c, "/submit/")
    assert "For the department to contact you and follow up" in form
    assert "JPG, PNG or GIF images or PDF, up to 10 MB each" in form
    refused = page(c, "/submit/", "post", {"title": "", "content": "", "appellant_phone": "1"}, status=400)
    assert "The phone number is not valid" in refused
    done = page(c, "/submit/", "post", {"title": "楼道灯坏了", "content": "东湖社区5栋楼道灯坏了一周。",
                                         "appellant_name": "王五", "appellant_phone": "13900001111"})
    assert 'data-testid="tracking-number"' in done and "<strong>Keep them safe.</strong> You need" in done

    track = page(c, "/track/")
    assert "The 6-digit code shown when you submitted the appeal" in track
    wrong = page(c, "/track/", "post", {"tracking_number": "GZ00000000XXXXXX", "access_code": "000000"})
    assert "不正确" not in wrong

    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    services.reply(appeal, org.handler_housing, "已联系物业修复电梯，问题已解决。")
    detail = page(c, "/track/", "post", {"tracking_number": appeal.tracking_number, "access_code": appeal.access_code})
    assert appeal.tracking_number in detail
    rated = page(c, f"/track/{appeal.tracking_number}/rate/", "post", {"satisfaction": "satisfied", "resolved": "1"})
    assert appeal.tracking_number in rated


@pytest.mark.django_db
def test_my_appeals_page_is_english(client, org, make_appeal):
    make_appeal(appellant_user=org.citizen)
    client.force_login(org.citizen)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/my/").content.decode()
    assert '<html lang="en">' in html and chinese_left(html) == []


@pytest.mark.django_db
def test_the_public_form_keeps_its_chinese_help_by_default(client):
    html = client.get("/submit/").content.decode()
    assert "用于办理部门联系您和回访，工作人员只能看到部分号码" in html and "提交诉求时显示的6位数字" in client.get(
        "/track/").content.decode()
