"""Informants (信息员): a sealed identity, a discreet channel, reports that become incidents or leads."""
from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEntry
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.safety import services
from gongzhi.safety.models import Informant, InformantReport, Lead, PoliceIncident, ReportStatus, Source, SubmissionCode
from tests.safety.test_incidents import analyst, fast_hashers, informant_handler, itype  # noqa: F401

NAME, PHONE = "王秘密", "13987654321"


@pytest.fixture
def informant(org, informant_handler):
    return services.register_informant(informant_handler, name=NAME, phone=PHONE, contact="微信 wm2024",
                                       region=org.east)


def test_only_the_informant_handler_can_register_or_reveal(org, analyst, informant_handler, informant):
    assert informant.alias.startswith("XXY-") and NAME not in str(informant)
    for other in (analyst, org.leader, org.admin, org.operator):
        with pytest.raises(ActionRefused):
            services.register_informant(other, name="某某")
        with pytest.raises(ActionRefused):
            services.reveal_informant(other, informant)
        assert not Informant.objects.restrict(other).exists()
    assert services.reveal_informant(informant_handler, informant)["phone"] == PHONE


def test_every_look_at_an_identity_is_audited_without_copying_it(client, informant_handler, informant):
    client.force_login(informant_handler)
    page = client.get(f"/safety/informants/{informant.pk}/").content.decode()
    assert "王*" in page and "139****4321" in page and NAME not in page and PHONE not in page
    revealed = client.post(f"/safety/informants/{informant.pk}/", {"action": "reveal"})
    assert NAME in revealed.content.decode() and revealed["Cache-Control"] == "no-store"
    actions = list(AuditEntry.objects.filter(target_type="safety.informant", target_id=str(informant.pk))
                   .values_list("action", flat=True))
    assert actions.count("informant.view") == 1 and actions.count("informant.reveal") == 1
    for entry in AuditEntry.objects.all():
        assert NAME not in str(entry.detail) and PHONE not in str(entry.detail)


def test_informant_pages_are_closed_to_other_roles(client, org, analyst, informant):
    for user in (analyst, org.leader, org.admin, org.grid_worker):
        client.force_login(user)
        assert client.get("/safety/informants/").status_code == 403
        assert client.get(f"/safety/informants/{informant.pk}/").status_code == 403


def test_the_list_shows_masked_identities(client, informant_handler, informant):
    client.force_login(informant_handler)
    page = client.get("/safety/informants/").content.decode()
    assert informant.alias in page and "139****4321" in page and PHONE not in page and NAME not in page


def test_a_one_time_code_files_one_report_and_is_then_spent(client, informant_handler, informant):
    code = services.issue_code(informant_handler, informant)
    assert not SubmissionCode.objects.filter(code_hash__icontains=code).exists()  # only a hash is stored
    resp = client.post("/safety/submit/", {"code": code.lower(), "content": "东湖路口每晚有人聚集赌博",
                                           "address": "东湖路口"})
    assert resp.status_code == 200 and 'id="submit-done"' in resp.content.decode()
    report = InformantReport.objects.get()
    assert report.informant == informant and report.channel == "code" and report.region == informant.region
    again = client.post("/safety/submit/", {"code": code, "content": "再报一次"})
    unknown = client.post("/safety/submit/", {"code": "AAAA-BBBB-CCCC", "content": "试探"})
    assert "提交码无效或已使用" in again.content.decode() and "提交码无效或已使用" in unknown.content.decode()
    assert InformantReport.objects.count() == 1


def test_an_expired_code_is_refused(informant_handler, informant):
    code = services.issue_code(informant_handler, informant, hours=1)
    SubmissionCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ActionRefused):
        services.submit_with_code(code, content="情况")


def test_a_report_becomes_an_incident_that_does_not_name_the_informant(client, org, analyst, informant_handler,
                                                                       informant):
    report = services.record_report(informant_handler, informant, content="东湖社区5栋昨夜被撬门入室，电话13511112222",
                                    lat=39.905, lon=116.405, address="东湖社区5栋",
                                    occurred_at=timezone.now() - dt.timedelta(hours=8))
    client.force_login(informant_handler)
    resp = client.post(f"/safety/reports/{report.pk}/", {"action": "incident", "type": itype("XS-RSDQ").pk,
                                                         "premises": "apartment", "note": "属实"})
    assert resp.status_code == 302
    report.refresh_from_db()
    incident = PoliceIncident.objects.get()
    assert report.status == ReportStatus.INCIDENT and report.incident == incident
    assert incident.source == Source.INFORMANT and incident.grid == org.east_g
    assert "13511112222" not in incident.summary and NAME not in incident.summary
    assert PoliceIncident.objects.restrict(analyst).filter(pk=incident.pk).exists()  # analysts now see it
    with pytest.raises(ActionRefused):  # a report is handled once
        services.report_to_lead(informant_handler, report)


def test_a_report_can_become_a_lead_or_be_dismissed_with_a_reason(client, analyst, informant_handler, informant):
    one = services.record_report(informant_handler, informant, content="有人在网吧兜售假证件，联系13511112222")
    lead = services.report_to_lead(informant_handler, one, type=itype("XS-ZP"))
    assert lead.source_alias == informant.alias and "13511112222" not in lead.summary
    assert Lead.objects.restrict(analyst).filter(pk=lead.pk).exists()
    client.force_login(analyst)
    page = client.get("/safety/leads/").content.decode()
    assert informant.alias in page and NAME not in page
    client.post("/safety/leads/", {"lead": lead.pk, "status": "verified", "note": "已核实"})
    lead.refresh_from_db()
    assert lead.status == "verified"
    two = services.record_report(informant_handler, informant, content="传闻")
    with pytest.raises(FieldErrors):
        services.dismiss_report(informant_handler, two, "")
    services.dismiss_report(informant_handler, two, "无法核实")
    two.refresh_from_db()
    assert two.status == ReportStatus.DISMISSED


def test_identity_never_reaches_the_logs(client, caplog, informant_handler):
    caplog.set_level(logging.DEBUG)
    client.force_login(informant_handler)
    client.post("/safety/informants/", {"name": NAME, "phone": PHONE, "contact": "微信 wm2024"})
    informant = Informant.objects.get()
    client.post(f"/safety/informants/{informant.pk}/", {"action": "reveal"})
    code = services.issue_code(informant_handler, informant)
    client.post("/safety/submit/", {"code": code, "content": "情况"})
    assert NAME not in caplog.text and PHONE not in caplog.text


def test_the_admin_site_lists_informants_by_alias_only(client, informant):
    from gongzhi.core.models import User

    boss = User.objects.create_superuser("root", "root@example.org", "Passw0rd!x")
    client.force_login(boss)
    listing = client.get("/admin/safety/informant/").content.decode()
    change = client.get(f"/admin/safety/informant/{informant.pk}/change/").content.decode()
    assert informant.alias in listing and informant.alias in change
    for html in (listing, change):
        assert NAME not in html and PHONE not in html
    assert client.get(f"/safety/informants/{informant.pk}/").status_code == 403  # superuser is not the handler
    for url in ("/admin/safety/incidenttype/", "/admin/safety/policeincident/", "/admin/safety/bulletinrecipient/add/",
                "/admin/safety/bulletin/", "/admin/safety/lead/"):
        assert client.get(url).status_code == 200, url


def test_the_handler_issues_a_code_and_records_a_report_from_the_pages(client, informant_handler, informant):
    import re

    client.force_login(informant_handler)
    page = client.post(f"/safety/informants/{informant.pk}/", {"action": "code"}).content.decode()
    code = re.search(r'id="one-time-code"[^>]*>([A-Z0-9-]+)<', page).group(1)
    assert SubmissionCode.objects.filter(informant=informant, used_at=None).count() == 1
    resp = client.post(f"/safety/informants/{informant.pk}/report/", {"content": "面谈：东湖市场有人收购赃物",
                                                                      "address": "东湖市场"})
    report = InformantReport.objects.get(channel="handler")
    assert resp["Location"] == f"/safety/reports/{report.pk}/" and report.received_by == informant_handler
    detail = client.get(resp["Location"]).content.decode()
    assert "东湖市场有人收购赃物" in detail and informant.alias in detail and NAME not in detail
    client.logout()
    client.post("/safety/submit/", {"code": code, "content": "补充：每周三晚上交易"})
    assert InformantReport.objects.filter(channel="code", informant=informant).count() == 1
