"""Phone and ID numbers an appellant writes into the title, the content or the place are personal data
like the phone field: every staff page and API answer shows them masked (138****5678), and the full
text is shown only through the audited reveal, to the roles that may reveal the phone. The appellant
reads their own appeal as written."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.api.models import ApiToken
from gongzhi.appeals import services
from gongzhi.core.models import AuditEntry
from gongzhi.triage.models import Alert, HotIssue
from tests.api.conftest import ApiClient

from .helpers import detail_url, handling, signed_in

PHONE, ID_NUMBER, OTHER_PHONE, LANDLINE = "13812345678", "110101199003074512", "13900001111", "0571-87654321"
TITLE = f"PIILOG {PHONE} {ID_NUMBER}"
CONTENT = f"东湖社区3栋电梯坏了两个月，请回电{PHONE}，身份证{ID_NUMBER}，物业座机{LANDLINE}。"
LOCATION = f"东湖社区3栋 联系人{OTHER_PHONE}"
FIELD_ID_NUMBER = "11010519491231002X"  # the appellant's ID number field (a valid check digit)
SECRETS = (PHONE, ID_NUMBER, OTHER_PHONE, "87654321", FIELD_ID_NUMBER)
MASKED = ("138****5678", "110***********4512")


def assert_masked(body: str, *, shows: tuple = MASKED) -> None:
    for secret in SECRETS:
        assert secret not in body
    for masked in shows:
        assert masked in body


@pytest.fixture
def appeal(org, make_appeal, django_capture_on_commit_callbacks):
    """A phoned-in appeal in handling, with numbers in its text, a note and a supervision order that
    repeat them, and the notifications they send (新派单：<title>, 督办：<title>)."""
    a = make_appeal(channel="phone", title=TITLE, content=CONTENT, location_text=LOCATION,
                    appellant_id_number=FIELD_ID_NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        handling(org, a)
        services.add_note(a, org.handler_housing, f"已电话联系{PHONE}，约定明天上门")
        services.supervise(a, org.supervisor, f"群众多次来电（{PHONE}），列入督办")
    a.refresh_from_db()
    return a


@pytest.mark.parametrize("who", ["operator", "dispatcher", "supervisor", "leader", "handler_housing"])
def test_the_appeal_page_masks_numbers_in_title_content_place_and_notes(client, org, appeal, who):
    body = signed_in(client, getattr(org, who)).get(detail_url(appeal)).content.decode()
    assert_masked(body, shows=MASKED + ("0571-****4321", "139****1111"))
    assert "东湖社区3栋电梯坏了两个月" in body  # the text itself stays readable


def test_lists_inboxes_board_and_notifications_mask_titles(client, org, appeal):
    pages = {
        org.operator: [reverse("staff:inbox"), reverse("staff:appeal_list") + "?q=PIILOG"],
        org.dispatcher: [reverse("staff:appeal_list") + "?q=PIILOG"],
        org.supervisor: [reverse("staff:board")],
        org.leader: [reverse("staff:board")],
        org.handler_housing: [reverse("staff:inbox"), reverse("staff:notifications")],
    }
    for user, urls in pages.items():
        signed_in(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_masked(response.content.decode(), shows=MASKED[:1])
    history = signed_in(client, org.operator).post(reverse("staff:desk_history"), {"appellant_phone": PHONE})
    assert_masked(history.content.decode(), shows=MASKED[:1])


def test_the_spreadsheet_export_masks_the_title(client, org, appeal):
    from openpyxl import load_workbook

    response = signed_in(client, org.operator).get(reverse("staff:appeal_export"), {"q": "PIILOG"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert f"PIILOG {MASKED[0]} {MASKED[1]}" in rows[1]
    assert_masked(str(rows), shows=())


@pytest.mark.parametrize("who", ["operator", "dispatcher", "supervisor", "handler_housing"])
def test_a_role_that_may_reveal_sees_the_full_text_through_the_audited_reveal(client, org, appeal, who):
    user = getattr(org, who)
    signed_in(client, user)
    page = client.get(detail_url(appeal)).content.decode()
    for field in ("title", "content", "location_text"):
        assert f'data-testid="reveal-{field}"' in page
    shown = client.post(reverse("staff:reveal", args=[appeal.pk, "content"]), headers={"HX-Request": "true"})
    assert shown.status_code == 200 and CONTENT in shown.content.decode()
    whole_page = client.post(reverse("staff:reveal", args=[appeal.pk, "location_text"])).content.decode()
    assert LOCATION in whole_page and PHONE not in whole_page.replace(LOCATION, "")  # only that field
    entries = AuditEntry.objects.filter(action="reveal_personal_data", actor=user, target_id=str(appeal.pk))
    assert sorted(e.detail["field"] for e in entries) == ["content", "location_text"]


@pytest.mark.parametrize("who", ["leader", "mediator", "grid_worker"])
def test_a_role_that_may_not_reveal_gets_no_button_and_no_full_text(client, org, appeal, who):
    signed_in(client, getattr(org, who))
    response = client.get(detail_url(appeal))
    assert response.status_code == 200
    assert 'data-testid="reveal-content"' not in response.content.decode()
    refused = client.post(reverse("staff:reveal", args=[appeal.pk, "content"]), headers={"HX-Request": "true"})
    assert refused.status_code == 403 and CONTENT not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()


def test_nobody_reveals_the_text_of_an_anonymous_appeal(client, org, make_appeal):
    anonymous = make_appeal(anonymous=True, content=CONTENT, appellant_name="", appellant_phone="")
    signed_in(client, org.operator)
    assert 'data-testid="reveal-content"' not in client.get(detail_url(anonymous)).content.decode()
    assert client.post(reverse("staff:reveal", args=[anonymous.pk, "content"])).status_code == 403


# ---------------------------------------------------------------- the JSON API

def api(user) -> ApiClient:
    return ApiClient(ApiToken.issue(user, "t")[1])


def test_the_api_masks_numbers_in_free_text_and_reveals_them_audited(org, appeal):
    services.reply(appeal, org.handler_housing, f"经核查已修复电梯，如有问题请联系{PHONE}反馈。")
    client = api(org.operator)
    one = client.get(f"/appeals/{appeal.pk}").json()
    assert one["title"] == f"PIILOG {MASKED[0]} {MASKED[1]}" and "0571-****4321" in one["content"]
    assert one["location_text"] == "东湖社区3栋 联系人139****1111"
    assert_masked(str(one), shows=MASKED)
    assert_masked(str(client.get("/appeals", q="PIILOG").json()), shows=MASKED)
    assert_masked(str(client.get(f"/appeals/{appeal.pk}/events").json()), shows=MASKED[:1])

    revealed = client.post(f"/appeals/{appeal.pk}/reveal", {"field": "content"})
    assert revealed.status_code == 200 and revealed.json() == {"field": "content", "value": CONTENT}
    assert AuditEntry.objects.get(action="reveal_personal_data", actor=org.operator).detail["field"] == "content"
    assert api(org.leader).post(f"/appeals/{appeal.pk}/reveal", {"field": "title"}).status_code == 409


def test_the_appellant_reads_their_own_appeal_as_written(client, org):
    citizen_api = api(org.citizen)
    created = citizen_api.post("/appeals", {"title": TITLE, "content": CONTENT, "location_text": LOCATION,
                                            "appellant_phone": PHONE})
    assert created.status_code == 201, created.content
    assert created.json()["title"] == TITLE and created.json()["content"] == CONTENT
    assert citizen_api.get(f"/appeals/{created.json()['id']}").json()["location_text"] == LOCATION
    # On the public tracking page too (tracking number and access code).
    page = client.post(reverse("portal:track"), {"tracking_number": created.json()["tracking_number"],
                                                 "access_code": created.json()["access_code"]}, follow=True)
    assert CONTENT in page.content.decode()
    # Staff read the same appeal masked.
    assert_masked(str(api(org.operator).get(f"/appeals/{created.json()['id']}").json()), shows=MASKED)


# ---------------------------------------------------------------- triage, evaluation and safety pages

def test_hot_issue_and_alert_pages_mask_appeal_titles(client, org, appeal):
    issue = HotIssue.objects.create(key=appeal.pk, title=TITLE, place=LOCATION, region=org.east_c, size=3,
                                    distinct_people=2, heat=9.5, terms=["电梯", PHONE],
                                    start=timezone.now() - dt.timedelta(days=2), end=timezone.now())
    issue.appeals.add(appeal)
    alert = Alert.objects.create(kind=Alert.Kind.HIGH_RISK, title=f"高风险诉求：{TITLE}", appeal=appeal,
                                 reasons=[f"同一号码{PHONE}多次来电"], region=org.east_c, hot_issue=issue)
    for user in (org.supervisor, org.leader):
        signed_in(client, user)
        for url in (reverse("triage:hot_board"), reverse("triage:hot_issue", args=[issue.pk]),
                    reverse("triage:alerts"), reverse("triage:alert", args=[alert.pk])):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_masked(response.content.decode(), shows=MASKED[:1])
    leader_page = signed_in(client, org.leader).get(reverse("evaluation:leader"))
    assert leader_page.status_code == 200 and PHONE not in leader_page.content.decode()


def test_the_follow_up_page_masks_titles(client, org, appeal):
    services.reply(appeal, org.handler_housing, "经核查已修复电梯，现已恢复正常运行，感谢监督。")
    body = signed_in(client, org.operator).get(reverse("evaluation:follow_up")).content.decode()
    assert_masked(body, shows=MASKED[:1])


def test_safety_pages_mask_numbers_in_addresses_reports_and_notes(client, org):
    from gongzhi.safety import services as safety
    from tests.safety.test_incidents import _person, itype
    from gongzhi.core.models import Role

    analyst = _person("analyst", Role.ANALYST, region=org.district)
    xxy = _person("handler_xxy", Role.INFORMANT_HANDLER, region=org.district)
    incident = safety.create_incident(analyst, type=itype("XS-RSDQ"), occurred_at=timezone.now() - dt.timedelta(days=1),
                                      lat=39.905, lon=116.405, address=f"东湖社区5栋 报警人{PHONE}")
    safety.change_status(analyst, incident, "investigating", note=f"已联系报警人{PHONE}，身份证{ID_NUMBER}")
    informant = safety.register_informant(xxy, name="王秘密", phone="13987654321", region=org.east)
    report = safety.record_report(xxy, informant, content=f"网吧有人兜售假证，卖家电话{PHONE}，证号{ID_NUMBER}",
                                  address="东湖路口")
    other = safety.record_report(xxy, informant, content=f"另有线索，联系{PHONE}")
    safety.report_to_lead(xxy, other, type=itype("XS-ZP"), summary=f"兜售假证，卖家{PHONE}")
    pages = {analyst: [reverse("safety:incident_list"), reverse("safety:incident_detail", args=[incident.pk]),
                       reverse("safety:leads")],
             xxy: [reverse("safety:informants"), reverse("safety:informant_detail", args=[informant.pk]),
                   reverse("safety:report_detail", args=[report.pk])]}
    for user, urls in pages.items():
        signed_in(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            assert PHONE not in body and ID_NUMBER not in body, url
