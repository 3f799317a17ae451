"""The queue as a centre works it: filters and sorting by urgency, deadline, category, region, channel
and returns; the urgency column and the return mark with its reason; bulk dispatch, urge and export,
each appeal through the same service as one click, refusals listed per appeal."""
import datetime as dt
import io
import re

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Status

from .helpers import dispatched, signed_in


def listed(client, **params) -> list[str]:
    """The tracking numbers on the list page, in the order shown."""
    body = client.get(reverse("staff:appeal_list"), params).content.decode()
    return re.findall(r'data-testid="pick-([A-Z0-9]+)"', body)


def returned_by_housing(org, appeal, reason="不属于本单位职责，应由生态环境局办理"):
    dispatched(org, appeal)
    services.return_assignment(appeal.assignments.get(), org.handler_housing, reason)
    appeal.refresh_from_db()
    return appeal


def test_sorting_by_urgency_puts_the_most_urgent_first_and_can_be_reversed(client, org, make_appeal):
    normal = make_appeal(title="一般诉求")
    critical = make_appeal(title="燃气味道很重", urgency="critical")
    urgent = make_appeal(title="紧急诉求", urgency="urgent")
    signed_in(client, org.dispatcher)
    assert listed(client, sort="urgency") == [critical.tracking_number, urgent.tracking_number, normal.tracking_number]
    assert listed(client, sort="-urgency") == [normal.tracking_number, urgent.tracking_number, critical.tracking_number]
    page = client.get(reverse("staff:appeal_list"), {"sort": "urgency"}).content.decode()
    assert 'aria-sort="ascending"' in page and "特急" in page


def test_sorting_by_deadline_lists_the_nearest_first_and_those_without_one_last(client, org, make_appeal):
    late = make_appeal(title="晚到期", category=org.cat_property)
    soon = make_appeal(title="早到期", category=org.cat_noise)  # 5 working days, against 10
    none = make_appeal(title="未分类", category=None)
    signed_in(client, org.dispatcher)
    assert listed(client, sort="due") == [soon.tracking_number, late.tracking_number, none.tracking_number]


def test_filters_by_urgency_channel_category_region_and_returns(client, org, make_appeal):
    urgent = make_appeal(title="紧急", urgency="urgent")
    phone = make_appeal(title="电话", channel="phone")
    noise = make_appeal(title="噪声", category=org.cat_noise, lat=39.905, lon=116.305)  # in the west grid
    back = returned_by_housing(org, make_appeal(title="被退回"))
    signed_in(client, org.dispatcher)
    assert listed(client, urgency="urgent") == [urgent.tracking_number]
    assert listed(client, channel="phone") == [phone.tracking_number]
    assert listed(client, category=org.cat_noise.pk) == [noise.tracking_number]
    assert listed(client, region=org.west_c.pk) == [noise.tracking_number]
    assert listed(client, returned="yes") == [back.tracking_number]
    assert back.tracking_number not in listed(client, returned="no")


def test_a_returned_appeal_shows_its_return_mark_and_reason_in_the_list_and_the_dispatch_queue(client, org, make_appeal):
    back = returned_by_housing(org, make_appeal(title="被退回的诉求"))
    assert back.status == Status.RECEIVED
    signed_in(client, org.dispatcher)
    for url in (reverse("staff:appeal_list"), reverse("staff:inbox")):
        body = client.get(url).content.decode()
        assert "已退单1次" in body, url
        assert "区住建局：不属于本单位职责，应由生态环境局办理" in body, url


def test_a_bad_sort_or_filter_value_is_ignored_not_a_500(client, org, make_appeal):
    make_appeal()
    signed_in(client, org.dispatcher)
    for params in ({"sort": "password"}, {"urgency": "x"}, {"returned": "maybe"}, {"due_before": "2026/12/01"},
                   {"ids": "1,abc,;DROP"}):
        assert client.get(reverse("staff:appeal_list"), params).status_code == 200, params


def bulk(client, action, appeals, **extra):
    return client.post(reverse("staff:bulk_action"), {"action": action, "ids": [a.pk for a in appeals], **extra})


def test_bulk_dispatch_sends_each_appeal_and_lists_the_ones_refused(client, org, make_appeal):
    first, second = make_appeal(title="第一件"), make_appeal(title="第二件")
    already = dispatched(org, make_appeal(title="已派出"))
    signed_in(client, org.dispatcher)
    response = bulk(client, "dispatch", [first, second, already], lead=org.env.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已完成 2 件" in body and "未执行 1 件" in body
    assert already.tracking_number in body and "不能派单" in body
    for appeal in (first, second):
        appeal.refresh_from_db()
        assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.env
        assert appeal.events.filter(kind="dispatched", actor=org.dispatcher).exists()
    already.refresh_from_db()
    assert already.lead_department == org.housing


def test_bulk_dispatch_without_a_department_changes_nothing_and_says_why(client, org, make_appeal):
    appeal = make_appeal()
    signed_in(client, org.dispatcher)
    response = bulk(client, "dispatch", [appeal])
    assert response.status_code == 302
    assert "批量派单请选择承办单位" in client.get(response.url).content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED


def test_bulk_urge_is_offered_to_a_supervisor_and_refused_per_appeal_that_is_not_being_worked_on(client, org, make_appeal):
    working = dispatched(org, make_appeal(title="办理中"))
    waiting = make_appeal(title="待派单")
    signed_in(client, org.supervisor)
    page = client.get(reverse("staff:appeal_list")).content.decode()
    assert 'value="urge"' in page and 'value="dispatch"' not in page
    body = bulk(client, "urge", [working, waiting], note="请加快办理").content.decode()
    assert "已完成 1 件" in body and waiting.tracking_number in body
    working.refresh_from_db()
    assert working.urge_count == 1


def test_a_bulk_action_the_role_may_not_do_is_refused_without_touching_anything(client, org, make_appeal):
    appeal = make_appeal()
    signed_in(client, org.handler_housing)
    response = bulk(client, "dispatch", [appeal], lead=org.env.pk)
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED


def test_bulk_export_holds_only_the_ticked_appeals_the_user_may_see(client, org, make_appeal):
    picked, other = make_appeal(title="勾选的"), make_appeal(title="没勾选")
    signed_in(client, org.dispatcher)
    response = bulk(client, "export", [picked])
    assert response.status_code == 302
    sheet = load_workbook(io.BytesIO(client.get(response.url).content)).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [picked.tracking_number]
    # Someone without scope on the appeal gets nothing of it, whatever ids they send.
    signed_in(client, org.handler_env)
    response = bulk(client, "export", [picked, other])
    assert response.status_code == 302 and "请先勾选诉求" in client.get(response.url).content.decode()


def test_the_due_before_filter_keeps_appeals_due_by_that_day(client, org, make_appeal):
    soon = make_appeal(title="五天内", category=org.cat_noise)
    make_appeal(title="十天内", category=org.cat_property)
    signed_in(client, org.dispatcher)
    day = timezone.localtime(Appeal.objects.get(pk=soon.pk).due_at).date()
    assert listed(client, due_before=day.isoformat()) == [soon.tracking_number]
    assert listed(client, due_before=(day - dt.timedelta(days=1)).isoformat()) == []


def test_the_handlers_queue_links_to_its_open_appeals_sorted_by_deadline(client, org, make_appeal):
    soon = dispatched(org, make_appeal(title="早到期", category=org.cat_noise))
    late = dispatched(org, make_appeal(title="晚到期"))
    done = dispatched(org, make_appeal(title="已办结"))
    services.acknowledge(done.assignments.get(), org.handler_housing)
    services.reply(done, org.handler_housing, "经核查，已督促物业完成维修，问题已解决。")
    services.follow_up(done, "satisfied")
    signed_in(client, org.handler_housing)
    assert 'href="/staff/appeals/?status=open&amp;sort=due"' in client.get(reverse("staff:inbox")).content.decode()
    assert listed(client, status="open", sort="due") == [soon.tracking_number, late.tracking_number]
