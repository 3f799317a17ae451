"""Incidents: reported by staff or a grid worker, raised from an alert, converted from an appeal;
activating a plan gives each named department its tasks with deadlines; the board shows the
timeline, tasks, resources and who has confirmed; close-out with an after-action review (.docx)."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from gongzhi.core import confirmations
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Confirmation, Notification
from gongzhi.emergency import services
from gongzhi.emergency.lifecycle import INCIDENT_LIFECYCLE
from gongzhi.emergency.models import Incident
from gongzhi.triage import alerts
from gongzhi.triage.models import Alert
from tests.notify_peers import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def flood(org, em, actor=None, **extra):
    fields = dict(title="东湖社区内涝", category="natural", level="III", region=org.east_c, place="东湖路12号",
                  lat=39.905, lon=116.405, people_affected=40)
    fields.update(extra)
    return services.report(actor or em.officer, **fields)


def test_a_report_asks_the_emergency_office_to_confirm_escalating_along_the_roster(org, em, settings):
    settings.GONGZHI = {**settings.GONGZHI, "EMERGENCY_ESCALATE_MINUTES": {"III": 15}}
    incident = flood(org, em)
    [row] = confirmations.status_of(services.ref(incident))
    assert row.recipient == em.officer and row.escalate_after == 15
    assert row.chain == [org.supervisor.pk, org.leader.pk]  # the duty roster, in order
    assert incident.events.get().kind == "reported"
    confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=16))
    asked = [c.recipient for c in confirmations.status_of(services.ref(incident))]
    assert asked == [em.officer, org.supervisor]


def test_an_unconfirmed_incident_mail_escalates_to_who_is_on_duty_through_the_smtp_peer(client, org, em, smtp, settings):
    """The whole loop on real mail: the office is mailed the incident, nobody confirms within the
    level's minutes, the first person on the team's duty roster is mailed, and their link confirms."""
    from gongzhi.core import delivery
    from gongzhi.core.models import Delivery

    settings.GONGZHI = {**settings.GONGZHI, "EMERGENCY_ESCALATE_MINUTES": {"II": 5}}

    def send_all():
        for pk in Delivery.objects.filter(status="pending", channel="email").values_list("pk", flat=True):
            delivery.attempt(pk)

    incident = flood(org, em, level="II")
    send_all()
    assert [m["X-Envelope-To"] for m in smtp.messages] == ["officer@example.gov.cn"]
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=4))["escalated"] == 0
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=6))["escalated"] == 1
    send_all()
    [to_duty] = [m for m in smtp.messages if m["X-Envelope-To"] == org.supervisor.email]  # order 0 on the roster
    body = to_duty.get_payload(decode=True).decode()
    assert "东湖社区内涝" in body
    link = re.search(r"https?://\S+?(/accounts/confirm/[^/\s]+/)", body).group(1)
    assert client.post(link).status_code == 200
    states = {(c.recipient, c.state) for c in confirmations.status_of(services.ref(incident))}
    assert states == {(em.officer, "escalated"), (org.supervisor, "confirmed")}
    client.force_login(em.officer)
    board = client.get(f"/emergency/incidents/{incident.pk}/board/").content.decode()
    assert org.supervisor.display_name in board and "已确认" in board


def test_a_grid_workers_report_says_so_and_bad_input_names_the_field(org, em):
    incident = flood(org, em, actor=org.grid_worker)
    assert incident.source == Incident.Source.GRID
    with pytest.raises(FieldErrors) as refused:
        flood(org, em, level="V", lat="north")
    assert set(refused.value.errors) == {"level", "lat"}


def test_an_incidents_point_on_the_map_places_it_in_its_grid(org, em):
    assert flood(org, em).grid == org.east_g  # 39.905, 116.405 lies in the east grid
    assert flood(org, em, lat=39.95, lon=116.5).grid is None  # outside every grid
    assert flood(org, em, lat=None, lon=None).grid is None


def test_activating_a_plan_gives_each_department_its_tasks_with_deadlines(org, em):
    incident = flood(org, em)
    before = timezone.now()
    incident = services.activate(incident, em.flood_plan, em.officer)
    assert incident.status == "responding" and incident.plan == em.flood_plan
    tasks = {t.department.code: t for t in incident.tasks.all()}
    assert set(tasks) == {"ZJJ", "SW"}
    assert tasks["SW"].due_at - before < dt.timedelta(hours=1, minutes=1)
    assert tasks["ZJJ"].due_at - before > dt.timedelta(hours=1, minutes=59)
    # The housing bureau's handler is asked to confirm the task (and it is on their board).
    assert Confirmation.objects.filter(recipient=org.handler_housing, ref=services.ref(incident)).exists()
    assert Incident.objects.restrict(org.handler_housing).filter(pk=incident.pk).exists()
    assert not Incident.objects.restrict(org.handler_env).filter(pk=incident.pk).exists()


def test_the_incidents_type_puts_its_plans_first_on_the_board(client, org, em):
    from gongzhi.emergency.models import Plan, TaskTemplate

    fire_plan = Plan.objects.get(title="东湖社区火灾预案")  # lapsed: its review date has passed
    TaskTemplate.objects.create(plan=fire_plan, department=org.housing, title="疏散楼内住户", hours=1)
    client.force_login(em.officer)
    answer = client.post("/emergency/incidents/new/", {
        "title": "东湖社区住宅楼起火", "category": "accident", "plan_type": em.fire.pk, "level": "III",
        "region": org.east_c.pk, "place": "东湖路8号", "people_affected": "30"})
    fire = Incident.objects.get(title="东湖社区住宅楼起火")
    assert answer.status_code == 302 and fire.plan_type == em.fire
    board = client.get(f"/emergency/incidents/{fire.pk}/").content.decode()
    choices = re.findall(r'<option value="(\d+)">([^<]*)</option>', board.split('data-testid="plan-choice"')[1].split("</select>")[0])
    assert [int(pk) for pk, _label in choices] == [fire_plan.pk, em.flood_plan.pk]
    assert "对应事件类型" in choices[0][1] and "已过复审日期" in choices[0][1]
    assert [p.pk for p in services.plans_for(flood(org, em, plan_type=em.flood), em.officer)] == [
        em.flood_plan.pk, fire_plan.pk]

    refused = client.post("/emergency/incidents/new/", {  # a flood is no accident
        "title": "类别不符", "category": "accident", "plan_type": em.flood.pk, "level": "IV", "region": org.east_c.pk},
        follow=True)
    assert "事件类型与类别不符" in refused.content.decode() and not Incident.objects.filter(title="类别不符").exists()


def test_only_the_department_of_a_task_updates_it_and_each_update_is_on_the_timeline(org, em):
    incident = services.activate(flood(org, em), em.flood_plan, em.officer)
    housing_task = incident.tasks.get(department=org.housing)
    with pytest.raises(ActionRefused):
        services.update_task(housing_task, org.handler_env, "done")
    services.update_task(housing_task, org.handler_housing, "in_progress", "已转移 12 户")
    housing_task.refresh_from_db()
    assert housing_task.status == "in_progress" and housing_task.note == "已转移 12 户"
    assert "区住建局：排查危旧房屋，转移住户 → 处置中（已转移 12 户）" in incident.events.last().note


def test_a_late_task_is_overdue_once_and_the_office_is_told(org, em):
    incident = services.activate(flood(org, em), em.flood_plan, em.officer)
    counts = services.sweep_task_deadlines(timezone.now() + dt.timedelta(minutes=90))
    assert counts["newly_overdue"] == 1  # the pump station's hour is up, the housing bureau's two are not
    assert incident.events.filter(kind="task_overdue").count() == 1
    assert Notification.objects.filter(user=em.officer, kind="emergency.task_overdue").count() == 1
    assert services.sweep_task_deadlines(timezone.now() + dt.timedelta(minutes=91))["newly_overdue"] == 0


def test_a_triage_alert_becomes_an_incident(org, em):
    alert = alerts.raise_alert(Alert.Kind.SENSOR, "传感器报警：东湖路燃气", ["燃气浓度 2.5%"], region=org.east_c,
                               same_title=True)
    alerts.convert_alert(alert, org.supervisor, "incident", "现场确认")
    alert.refresh_from_db()
    incident = alert.converted_to
    assert isinstance(incident, Incident) and incident.source == "alert" and incident.alert == alert
    assert [e.kind for e in incident.events.all()] == ["reported", "from_alert"]
    assert incident.events.first().note == "现场确认"


def test_an_appeal_converted_keeps_its_place_and_masks_phone_numbers(org, em, make_appeal):
    appeal = make_appeal(title="小区地下车库进水", content="车库进水很深，联系我 13912345678")
    incident = services.from_appeal(appeal, em.officer)
    assert incident.source == "appeal" and incident.appeal == appeal
    assert "13912345678" not in incident.description


def test_a_supervisor_turns_an_appeal_into_an_incident_from_the_appeal_page_once(client, org, em, make_appeal):
    appeal = make_appeal(title="小区地下车库进水", content="车库进水很深，有车被困，联系我 13912345678")
    client.force_login(org.supervisor)
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="convert-to-incident"' in page
    answer = client.post(f"/staff/appeals/{appeal.pk}/to-incident/",
                         {"category": "accident", "level": "III", "people_affected": "12"})
    incident = Incident.objects.get(appeal=appeal)
    assert answer.status_code == 302 and answer.url == f"/emergency/incidents/{incident.pk}/"
    assert (incident.source, incident.level, incident.people_affected, incident.place) == (
        "appeal", "III", 12, appeal.location_text)
    assert appeal.tracking_number in incident.events.get(kind="reported").note
    assert "13912345678" not in client.get(answer.url).content.decode()
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert incident.number in page and 'data-testid="convert-to-incident"' not in page  # once while it is open
    again = client.post(f"/staff/appeals/{appeal.pk}/to-incident/", {"category": "accident", "level": "IV"}, follow=True)
    assert "该诉求已转为突发事件" in again.content.decode() and Incident.objects.filter(appeal=appeal).count() == 1
    bad = client.post(f"/staff/appeals/{make_appeal().pk}/to-incident/", {"category": "flood", "level": "V"}, follow=True)
    assert bad.status_code == 200 and "请选择事件类别" in bad.content.decode()

    client.force_login(org.handler_housing)  # a department's handler does not report incidents
    assert client.post(f"/staff/appeals/{appeal.pk}/to-incident/", {"category": "accident", "level": "IV"}).status_code == 404


def test_commanding_is_the_emergency_office_and_leaders_the_lifecycle_refuses_others(org, em):
    incident = flood(org, em)
    assert "activate" in INCIDENT_LIFECYCLE.allowed(incident, em.officer)
    assert INCIDENT_LIFECYCLE.allowed(incident, org.handler_housing) == []
    with pytest.raises(ActionRefused):
        services.activate(incident, em.flood_plan, org.handler_housing)
    closed = services.close(incident, em.officer, "响应及时，排涝设备不足")
    with pytest.raises(ActionRefused):
        services.activate(closed, em.flood_plan, em.officer)
    with pytest.raises(FieldErrors):
        services.close(flood(org, em), em.officer, " ")


def test_the_board_shows_tasks_confirmations_resources_and_the_review_downloads_as_docx(client, org, em):
    from docx import Document

    incident = services.activate(flood(org, em), em.flood_plan, em.officer)
    services.deploy(incident, em.officer, em.team)
    services.add_statement(incident, em.officer, "区政府微博", "东湖路积水，请绕行")
    client.force_login(em.officer)
    board = client.get(f"/emergency/incidents/{incident.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in board and "开启泵站排涝" in board and "区综合救援队" in board
    assert "待确认" in board  # the handlers have not confirmed yet
    response = client.post(f"/emergency/incidents/{incident.pk}/confirm/")
    assert response.status_code == 302
    fragment = client.get(f"/emergency/incidents/{incident.pk}/board/").content.decode()
    assert "已确认" in fragment and "东湖路积水" in fragment
    client.post(f"/emergency/incidents/{incident.pk}/close/", {"review": "泵站响应快，转移慢"})
    doc = client.get(f"/emergency/incidents/{incident.pk}/review.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "泵站响应快，转移慢" in text and "启动预案" in text


def test_an_action_with_bad_input_is_a_message_not_a_500(client, org, em):
    incident = flood(org, em)
    client.force_login(em.officer)
    response = client.post(f"/emergency/incidents/{incident.pk}/activate/", {"plan": "x"}, follow=True)
    assert response.status_code == 200
    response = client.post(f"/emergency/incidents/{incident.pk}/warn/", {"headline": "", "hours": "abc"}, follow=True)
    assert response.status_code == 200 and "请填写预警标题" in response.content.decode()
    client.force_login(org.handler_env)  # outside its scope: the incident does not exist for it
    assert client.get(f"/emergency/incidents/{incident.pk}/").status_code == 404


def test_the_api_lists_reports_and_updates_tasks_in_scope(client, org, em):
    from gongzhi.api.models import ApiToken

    token = ApiToken.issue(em.officer, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    made = client.post("/api/v1/emergency/incidents", {"title": "燃气泄漏", "category": "accident", "level": "II",
                                                       "region": org.east_c.pk}, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    bad = client.post("/api/v1/emergency/incidents", {"title": "x", "category": "accident", "level": "II",
                                                      "region": 999999}, content_type="application/json", **auth)
    assert bad.status_code == 422
    assert [i["title"] for i in client.get("/api/v1/emergency/incidents", **auth).json()] == ["燃气泄漏"]
    assert made.json()["plan_type"] is None


def test_an_incident_reported_through_the_api_can_carry_its_type_which_puts_its_plans_first(client, org, em):
    from gongzhi.api.models import ApiToken

    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(em.officer, 'test')[1]}"}

    def report(**extra):
        return client.post("/api/v1/emergency/incidents", {"title": "东湖社区内涝", "category": "natural", "level": "III",
                                                           "region": org.east_c.pk, **extra},
                           content_type="application/json", **auth)

    made = report(plan_type="flood")
    assert made.status_code == 201, made.content
    assert made.json()["plan_type"] == "flood"
    incident = Incident.objects.get(pk=made.json()["id"])
    assert incident.plan_type.code == "flood"
    assert client.get(f"/api/v1/emergency/incidents/{incident.pk}", **auth).json()["plan_type"] == "flood"

    unknown = report(plan_type="tsunami")
    assert unknown.status_code == 422 and "plan_type" in unknown.content.decode()
    wrong_category = report(plan_type="fire")  # a type of another category
    assert wrong_category.status_code == 422 and "plan_type" in wrong_category.content.decode()
    assert Incident.objects.count() == 1  # refused reports leave nothing behind
