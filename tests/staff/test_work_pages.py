"""Inboxes, the supervisor's board, search and export, the operator desk and the grid report."""
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Channel, Status
from gongzhi.core.deadlines import DueState
from gongzhi.core.models import AuditEntry, Notification

from .helpers import action_url, dispatched, replied, signed_in
from .photos import png_bytes


def test_the_dispatcher_queue_lists_received_appeals_oldest_first(client, org, make_appeal):
    old = make_appeal(title="旧诉求", received_at=timezone.now() - dt.timedelta(days=2))
    new = make_appeal(title="新诉求")
    done = dispatched(org, make_appeal(title="已派诉求"))
    body = signed_in(client, org.dispatcher).get(reverse("staff:inbox")).content.decode()
    queue = body[body.index('id="dispatch-queue"'):]
    assert queue.index(old.tracking_number) < queue.index(new.tracking_number)
    assert done.tracking_number not in queue


def test_a_triage_suggestion_dispatches_in_one_click(client, org, make_appeal):
    first = make_appeal()
    appeal = make_appeal(title="电梯仍未修好")
    appeal.triage = {"suggestions": [{"category": org.cat_property.pk, "department": org.housing.code, "confidence": 0.82}],
                     "duplicates": [{"tracking_number": first.tracking_number, "score": 0.91}]}
    appeal.save()
    signed_in(client, org.dispatcher)
    body = client.get(reverse("staff:inbox")).content.decode()
    assert "派给 区住建局" in body and "82%" in body and "91%" in body
    client.post(action_url(appeal, "dispatch"), {"lead": org.housing.pk, "category": org.cat_property.pk,
                                                  "next": reverse("staff:inbox")})
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.housing


def test_the_department_queue_is_coloured_by_deadline(client, org, make_appeal):
    late = dispatched(org, make_appeal(title="超期诉求"))
    Appeal.objects.filter(pk=late.pk).update(due_state=DueState.OVERDUE)
    dispatched(org, make_appeal(title="正常诉求"))
    dispatched(org, make_appeal(title="环保诉求", category=org.cat_noise), org.env)
    body = signed_in(client, org.handler_housing).get(reverse("staff:inbox")).content.decode()
    queue = body[body.index('id="department-queue"'):]
    assert "超期诉求" in queue and "正常诉求" in queue and "环保诉求" not in queue
    assert 'class="row-overdue"' in queue and 'class="row-on_track"' in queue


def test_the_board_shows_overdue_appeals_and_urges_from_there(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() - dt.timedelta(hours=1), due_state=DueState.OVERDUE)
    signed_in(client, org.supervisor)
    body = client.get(reverse("staff:board")).content.decode()
    overdue = body[body.index('id="board-overdue"'):body.index('id="board-due_soon"')]
    assert appeal.tracking_number in overdue
    response = client.post(action_url(appeal, "urge"), {"next": reverse("staff:board")})
    assert response.status_code == 302 and response["Location"] == reverse("staff:board")
    appeal.refresh_from_db()
    assert appeal.urge_count == 1


def test_the_board_lists_recently_closed_appeals(client, org, make_appeal):
    appeal = replied(org, make_appeal())
    services.follow_up(appeal, "satisfied")
    body = signed_in(client, org.leader).get(reverse("staff:board")).content.decode()
    closed = body[body.index('id="board-closed"'):]
    assert appeal.tracking_number in closed and "满意" in closed


def test_search_by_tracking_number_text_and_filters(client, org, make_appeal):
    lift = make_appeal()
    noise = make_appeal(title="夜间施工噪音扰民", content="工地夜里施工", category=org.cat_noise)
    signed_in(client, org.supervisor)
    url = reverse("staff:appeal_list")
    body = client.get(url, {"q": lift.tracking_number.lower()}).content.decode()
    assert lift.tracking_number in body and noise.tracking_number not in body
    body = client.get(url, {"q": "施工"}).content.decode()
    assert noise.tracking_number in body and lift.tracking_number not in body
    body = client.get(url, {"category": org.cat_root.pk}).content.decode()  # a top category includes its children
    assert lift.tracking_number in body and noise.tracking_number not in body
    dispatched(org, noise, org.env)
    body = client.get(url, {"status": "dispatched", "department": org.env.pk}).content.decode()
    assert noise.tracking_number in body and lift.tracking_number not in body


def test_excel_export_masks_phones_and_is_audited(client, org, make_appeal):
    make_appeal()
    make_appeal(anonymous=True, title="匿名反映")
    signed_in(client, org.supervisor)
    response = client.get(reverse("staff:appeal_export"), {"status": "received"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    phone = header.index("联系电话")
    assert len(data) == 2
    assert sorted(r[phone] or "" for r in data) == ["", "138****5678"]
    assert "13812345678" not in repr(rows)
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == org.supervisor and entry.detail["rows"] == 2 and entry.detail["filters"] == {"status": "received"}


def test_export_only_contains_what_the_user_may_see(client, org, make_appeal):
    make_appeal()
    make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305)
    response = signed_in(client, org.east_supervisor).get(reverse("staff:appeal_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "西山社区路灯不亮" not in repr(rows)


def test_the_desk_records_a_phone_appeal_and_tells_the_code_to_read_out(client, org):
    signed_in(client, org.operator)
    page = client.get(reverse("staff:desk")).content.decode()
    assert page.index('name="appellant_phone"') < page.index('name="title"') and "autofocus" in page
    response = client.post(reverse("staff:desk"), {
        "appellant_phone": "13900001111", "appellant_name": "李四", "title": "楼道堆放杂物",
        "content": "5栋楼道长期堆放杂物，存在消防隐患。", "urgency": "normal", "category": org.cat_property.pk,
    }, follow=True)
    appeal = Appeal.objects.get(title="楼道堆放杂物")
    assert appeal.channel == Channel.PHONE and appeal.created_by == org.operator
    body = response.content.decode()
    assert appeal.tracking_number in body and "查询码" in body
    code = body.split("查询码 ")[1][:6]
    assert services.check_access_code(appeal, code)


def test_the_desk_keeps_the_input_and_shows_field_errors(client, org):
    signed_in(client, org.operator)
    response = client.post(reverse("staff:desk"), {"appellant_phone": "12", "title": "噪音", "content": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "电话号码格式不正确" in body and "请填写诉求内容" in body
    assert 'value="噪音"' in body and not Appeal.objects.exists()


def test_the_callers_earlier_appeals_show_by_phone_and_the_lookup_is_audited(client, org, make_appeal):
    earlier = make_appeal()
    signed_in(client, org.operator)
    response = client.post(reverse("staff:desk_history"), {"appellant_phone": "138 1234 5678"})
    assert earlier.tracking_number in response.content.decode()
    entry = AuditEntry.objects.get(action="lookup_personal_data")
    assert entry.actor == org.operator and entry.detail["phone"] == "138****5678" and entry.detail["found"] == 1
    client.post(reverse("staff:desk_history"), {"appellant_phone": "138"})  # too short to look up: no audit
    assert AuditEntry.objects.filter(action="lookup_personal_data").count() == 1


def test_a_grid_report_is_received_in_the_workers_community(client, org):
    signed_in(client, org.grid_worker)
    body = client.get(reverse("staff:grid_report")).content.decode()
    assert f'value="{org.east_g.pk}" selected' in body
    png = io.BytesIO(png_bytes())
    png.name = "scene.png"
    client.post(reverse("staff:grid_report"), {"grid": org.east_g.pk, "title": "路面塌陷", "content": "东湖路中段路面塌陷约一米。",
                                               "urgency": "urgent", "photo": png})
    appeal = Appeal.objects.get(title="路面塌陷")
    assert appeal.channel == Channel.GRID and appeal.region == org.east_c and appeal.created_by == org.grid_worker
    assert appeal.attachments.get().content_type == "image/png"


def test_a_grid_report_refuses_a_non_image_photo(client, org):
    signed_in(client, org.grid_worker)
    fake = io.BytesIO(b"MZ\x90\x00 not a picture")
    fake.name = "virus.jpg"
    response = client.post(reverse("staff:grid_report"), {"grid": org.east_g.pk, "title": "路面塌陷",
                                                          "content": "路面塌陷", "photo": fake})
    assert response.status_code == 400 and "不是允许的类型" in response.content.decode()
    assert not Appeal.objects.exists()


def test_notifications_show_an_unread_count_and_can_be_marked_read(client, org, make_appeal,
                                                                  django_capture_on_commit_callbacks):
    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(appeal, org.dispatcher, org.housing)  # notifies the department's handlers
    signed_in(client, org.handler_housing)
    body = client.get(reverse("staff:inbox")).content.decode()
    assert 'data-testid="unread">1<' in body and "新派单" in body
    client.post(reverse("staff:notifications_read"))
    assert not Notification.objects.filter(user=org.handler_housing, read_at__isnull=True).exists()


def test_the_appeal_page_offers_the_triage_app_suggestions(client, org, make_appeal):
    first = make_appeal()
    appeal = make_appeal(title="电梯仍未修好")
    org.water.active = False
    org.water.save()
    appeal.triage = {  # the shape gongzhi.triage writes
        "suggestions": [{"label": "城乡建设", "confidence": 0.7731, "category": org.cat_root.pk, "department": org.housing.pk,
                         "department_name": "区住建局"},
                        {"label": "供水", "confidence": 0.12, "category": None, "department": org.water.pk}],
        "duplicates": [{"id": first.pk, "tracking_number": first.tracking_number, "title": first.title,
                        "similarity": 0.934, "reason": "同一电话、同一地点", "status": "received"}],
    }
    appeal.save()
    body = signed_in(client, org.dispatcher).get(reverse("staff:appeal_detail", args=[appeal.pk])).content.decode()
    assert "一键派给 区住建局" in body and "77%" in body
    assert "区水务公司" not in body.split("智能建议")[1].split("主办单位")[0]  # an inactive department is not suggested
    assert "一键并单" in body and "同一电话、同一地点" in body and first.tracking_number in body
