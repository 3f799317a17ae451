"""The public portal: submit an appeal, keep the code, track it, rate the answer; nothing internal leaks."""
import io
import re

import pytest
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Channel, Status

REPLY = "经核查，电梯主板损坏，已督促物业公司更换主板，电梯于本周三恢复正常运行。"


def submit(client, **overrides):
    data = {"title": "小区电梯长期故障", "content": "东湖社区3栋电梯坏了两个月，老人上下楼困难。",
            "location_text": "东湖社区3栋", "appellant_name": "张三", "appellant_phone": "13812345678"}
    data.update(overrides)
    return client.post(reverse("portal:submit"), data)


def track(client, number, code):
    return client.post(reverse("portal:track"), {"tracking_number": number, "access_code": code})


@pytest.fixture
def worked_appeal(org, make_appeal):
    """An appeal answered by the housing bureau, with an internal note and staff with real names."""
    for user, name in [(org.dispatcher, "赵派单"), (org.handler_housing, "钱承办")]:
        user.display_name = name
        user.save()
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing, instructions="内部：请联系物业孙经理")
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    services.add_note(appeal, org.handler_housing, "内部备注：物业孙经理称配件下周到")
    services.reply(appeal, org.handler_housing, REPLY)
    appeal.refresh_from_db()
    return appeal


def test_the_home_page_offers_submit_and_track(client, db):
    body = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:submit") in body and reverse("portal:track") in body and 'name="access_code"' in body


def test_submitting_gives_a_tracking_number_and_an_access_code_that_work(client, org):
    response = submit(client, category=org.cat_root.pk, lat="39.905", lon="116.405")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.WEB and appeal.grid == org.east_g and appeal.category == org.cat_root
    assert appeal.tracking_number in page and "请妥善保存" in page
    code = re.search(r'data-testid="access-code">(\d{6})<', page).group(1)
    other_browser = type(client)()
    response = track(other_browser, appeal.tracking_number, code)
    assert response.status_code == 302
    assert "小区电梯长期故障" in other_browser.get(response["Location"]).content.decode()


def test_a_named_appeal_needs_a_phone_and_nothing_is_stored_without_it(client, org):
    response = submit(client, appellant_phone="")
    assert response.status_code == 400 and "实名诉求请留下联系电话，或选择匿名" in response.content.decode()
    assert not Appeal.objects.exists()


def test_an_anonymous_appeal_keeps_no_personal_data(client, org):
    submit(client, anonymous="on")
    appeal = Appeal.objects.get()
    assert appeal.anonymous and not appeal.appellant_name and not appeal.appellant_phone


def test_only_images_and_pdf_are_accepted_as_attachments(client, org):
    bad = io.BytesIO(b"MZ\x90\x00 an executable")
    bad.name = "photo.jpg"
    response = submit(client, attachments=[bad])
    assert response.status_code == 400 and "不是允许的类型" in response.content.decode()
    good = io.BytesIO(b"%PDF-1.4 a small document")
    good.name = "证明.pdf"
    submit(client, attachments=[good])
    assert Appeal.objects.get().attachments.get().content_type == "application/pdf"


def test_grid_outlines_are_served_for_the_map(client, org):
    grids = client.get(reverse("portal:grids")).json()["grids"]
    assert {g["name"] for g in grids} == {"东湖第一网格", "西山第一网格"} and len(grids[0]["polygon"]) == 5


def test_a_wrong_code_and_an_unknown_number_get_the_same_message(client, make_appeal):
    appeal = make_appeal()
    wrong_code = track(client, appeal.tracking_number, "000000" if appeal.access_code != "000000" else "111111")
    unknown = track(client, "GZ20990101ZZZZZZ", appeal.access_code)
    for response in (wrong_code, unknown):
        assert response.status_code == 200 and "编号或查询码不正确" in response.content.decode()
    assert appeal.title not in wrong_code.content.decode()


def test_tracking_lookups_are_rate_limited_per_address(client, settings, make_appeal):
    settings.GONGZHI = {**settings.GONGZHI, "TRACK_LOOKUPS_PER_HOUR": 3}
    appeal = make_appeal()
    for _ in range(3):
        assert track(client, appeal.tracking_number, "999999").status_code == 200
    response = track(client, appeal.tracking_number, appeal.access_code)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert appeal.title not in response.content.decode()


def test_the_tracking_page_needs_the_code_first(client, make_appeal):
    appeal = make_appeal()
    response = client.get(reverse("portal:track_detail", args=[appeal.tracking_number]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:track")


def test_the_public_timeline_shows_no_staff_names_and_no_internal_notes(client, worked_appeal):
    track(client, worked_appeal.tracking_number, worked_appeal.access_code)
    body = client.get(reverse("portal:track_detail", args=[worked_appeal.tracking_number])).content.decode()
    assert REPLY in body and "区住建局" in body and "待回访" in body
    for secret in ("赵派单", "钱承办", "dispatcher", "handler_zjj", "孙经理", "内部"):
        assert secret not in body, secret
    assert "13812345678" not in body and "138****5678" not in body


def test_rating_satisfied_closes_the_appeal(client, worked_appeal):
    track(client, worked_appeal.tracking_number, worked_appeal.access_code)
    url = reverse("portal:rate", args=[worked_appeal.tracking_number])
    response = client.post(url, {"satisfaction": "satisfied", "resolved": "1", "comment": "很及时"}, follow=True)
    worked_appeal.refresh_from_db()
    assert worked_appeal.status == Status.CLOSED and worked_appeal.satisfaction == "satisfied" and worked_appeal.resolved
    body = response.content.decode()
    assert "感谢您的评价" in body and "已办结" in body and 'data-testid="rate-submit"' not in body
    rated = worked_appeal.events.get(kind="rated")
    assert rated.actor is None and rated.data["via"] == "web" and rated.data["comment"] == "很及时"


def test_rating_dissatisfied_reopens_the_appeal(client, worked_appeal):
    track(client, worked_appeal.tracking_number, worked_appeal.access_code)
    client.post(reverse("portal:rate", args=[worked_appeal.tracking_number]),
                {"satisfaction": "dissatisfied", "resolved": "0", "comment": "电梯还是坏的"})
    worked_appeal.refresh_from_db()
    assert worked_appeal.status == Status.DISPATCHED and worked_appeal.reopen_count == 1
    assert worked_appeal.resolved is False


def test_rating_twice_is_refused_with_a_message(client, worked_appeal):
    track(client, worked_appeal.tracking_number, worked_appeal.access_code)
    url = reverse("portal:rate", args=[worked_appeal.tracking_number])
    client.post(url, {"satisfaction": "satisfied"})
    response = client.post(url, {"satisfaction": "dissatisfied"})
    assert response.status_code == 409 and "不能评价" in response.content.decode()
    worked_appeal.refresh_from_db()
    assert worked_appeal.status == Status.CLOSED and worked_appeal.satisfaction == "satisfied"


def test_rating_needs_a_verified_appeal_in_the_session(client, worked_appeal):
    response = client.post(reverse("portal:rate", args=[worked_appeal.tracking_number]), {"satisfaction": "dissatisfied"})
    assert response.status_code == 302
    worked_appeal.refresh_from_db()
    assert worked_appeal.status == Status.REPLIED


def test_no_rating_form_before_the_reply(client, make_appeal):
    appeal = make_appeal()
    track(client, appeal.tracking_number, appeal.access_code)
    body = client.get(reverse("portal:track_detail", args=[appeal.tracking_number])).content.decode()
    assert "待派单" in body and 'data-testid="rate-submit"' not in body
