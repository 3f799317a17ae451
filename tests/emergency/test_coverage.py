"""Plan coverage: every unit × every plan type its kind must hold is present, expired or missing,
with a coverage rate per region and per kind; owners are reminded once before a plan expires."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.models import Notification
from gongzhi.emergency import coverage, services
from gongzhi.emergency.models import Unit

pytestmark = pytest.mark.django_db


def test_each_unit_is_checked_against_the_rules_of_its_kind(org, em):
    grid = {(c.unit.name, c.plan_type.code): c.state for c in coverage.cells(Unit.objects.all())}
    assert grid == {
        ("东湖社区居委会", "flood"): "present", ("东湖社区居委会", "fire"): "expired",
        ("西山社区居委会", "flood"): "present", ("西山社区居委会", "fire"): "missing",
        ("东湖小学", "fire"): "present", ("东湖小学", "epidemic"): "missing",
    }


def test_rates_per_region_and_per_kind(org, em):
    rates = coverage.rates(coverage.cells(Unit.objects.all()))
    assert (rates["total"].required, rates["total"].present, rates["total"].expired, rates["total"].missing) == (6, 3, 1, 2)
    assert rates["region"]["东湖社区"].rate == pytest.approx(2 / 4)
    assert rates["region"]["西山社区"].rate == pytest.approx(1 / 2)
    assert rates["kind"]["school"].rate == pytest.approx(1 / 2)
    assert rates["kind"]["community"].missing == 1


def test_a_renewed_plan_makes_the_cell_present_again(org, em):
    today = timezone.localdate()
    em.east.plans.filter(plan_type=em.fire).update(review_on=today + dt.timedelta(days=365))
    grid = {(c.unit.name, c.plan_type.code): c.state for c in coverage.cells(Unit.objects.all())}
    assert grid[("东湖社区居委会", "fire")] == "present"


def test_the_owner_is_reminded_once_before_the_review_date(org, em, settings):
    settings.GONGZHI = {**settings.GONGZHI, "EMERGENCY_PLAN_REMINDER_DAYS": 30}
    told = services.expiry_reminders()
    # The flood plan (10 days left, its owner) and the expired fire plan (its unit's contact).
    assert told == 2
    texts = list(Notification.objects.filter(user=org.east_supervisor).values_list("text", flat=True))
    assert any("东湖社区防汛应急预案" in t for t in texts)
    assert services.expiry_reminders() == 0  # once per review date


def test_the_coverage_page_shows_the_gaps_to_the_emergency_office_only(client, org, em):
    client.force_login(em.officer)
    page = client.get("/emergency/coverage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "西山社区居委会" in text and "缺失" in text and "已过期" in text
    client.force_login(org.citizen)
    assert client.get("/emergency/coverage/").status_code in (302, 404)


def test_the_office_registers_a_plan_with_its_document_and_only_staff_in_scope_download_it(client, org, em):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.emergency.models import Plan

    client.force_login(em.officer)
    response = client.post("/emergency/plans/new/", {
        "unit": em.west.pk, "plan_type": em.fire.pk, "title": "西山社区火灾应急预案", "level": "IV",
        "effective_on": "2026-01-01", "review_on": "2028-12-31",
        "document": SimpleUploadedFile("预案.pdf", b"%PDF-1.4 plan", content_type="application/pdf")})
    plan = Plan.objects.get(title="西山社区火灾应急预案")
    assert response.status_code == 302 and plan.owner == em.officer
    grid = {(c.unit.name, c.plan_type.code): c.state for c in coverage.cells(Unit.objects.all())}
    assert grid[("西山社区居委会", "fire")] == "present"  # the gap is closed
    assert b"".join(client.get(f"/emergency/plans/{plan.pk}/document/").streaming_content) == b"%PDF-1.4 plan"
    refused = client.post("/emergency/plans/new/", {"unit": em.west.pk, "plan_type": em.fire.pk, "title": "x",
                                                     "level": "IV", "effective_on": "2026-01-01",
                                                     "review_on": "2025-01-01",
                                                     "document": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert "复审日期应晚于生效日期" in refused.content.decode()
    client.force_login(org.handler_env)
    assert client.get(f"/emergency/plans/{plan.pk}/document/").status_code == 404


def test_the_office_records_a_drill_with_its_record_which_the_plan_page_and_coverage_show(client, org, em):
    from gongzhi.core.models import AuditEntry
    from gongzhi.emergency.models import Drill

    plan_page = f"/emergency/plans/{em.flood_plan.pk}/"
    held_on = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    client.force_login(em.officer)
    answer = client.post(f"{plan_page}drills/", {"held_on": held_on, "participants": "46",
                                                 "record": "夜间转移演练：46 人参加，转移用时 25 分钟，广播盲区 2 处"})
    assert answer.status_code == 302 and answer.url == f"{plan_page}#drills"
    drill = em.flood_plan.drills.get()
    assert (drill.held_on.isoformat(), drill.participants) == (held_on, 46) and em.flood_plan.last_drill == drill
    assert AuditEntry.objects.filter(action="emergency.drill.create", target_id=str(drill.pk), actor=em.officer).exists()
    page = client.get(plan_page).content.decode()
    assert "广播盲区 2 处" in page and 'data-testid="drill-form"' in page
    assert f'{plan_page}#drills' in client.get("/emergency/coverage/").content.decode()  # the last drill's date links here

    for bad, why in (({"participants": "many"}, "参演人数必须是非负整数"), ({"record": " "}, "请填写演练记录"),
                     ({"held_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "演练日期不能晚于今天"),
                     ({"held_on": "2026-02-30"}, "日期格式应为"), ({"held_on": ""}, "请填写演练日期")):
        fields = {"held_on": held_on, "participants": "10", "record": "演练", **bad}
        answer = client.post(f"{plan_page}drills/", fields, follow=True)
        assert answer.status_code == 200 and why in answer.content.decode(), bad
    assert Drill.objects.count() == 1

    client.force_login(org.leader)  # reads the plan and its drills, records none
    page = client.get(plan_page).content.decode()
    assert "广播盲区 2 处" in page and 'data-testid="drill-form"' not in page and 'data-testid="plan-form"' not in page
    refused = client.post(f"{plan_page}drills/", {"held_on": held_on, "participants": "5", "record": "x"}, follow=True)
    assert "只有应急办可以登记预案" in refused.content.decode() and Drill.objects.count() == 1
    assert 'data-testid="plan-new"' not in client.get("/emergency/coverage/").content.decode()


def test_the_plan_owner_is_chosen_and_is_who_the_review_reminder_goes_to(client, org, em, settings):
    from gongzhi.core.models import AuditEntry
    from gongzhi.emergency.models import Plan

    settings.GONGZHI = {**settings.GONGZHI, "EMERGENCY_PLAN_REMINDER_DAYS": 30}
    soon = timezone.localdate() + dt.timedelta(days=20)
    client.force_login(em.officer)
    fields = {"unit": em.school.pk, "plan_type": em.epidemic.pk, "title": "东湖小学传染病防控预案", "level": "IV",
              "owner": org.handler_housing.pk, "effective_on": "2025-09-01", "review_on": soon.isoformat()}
    assert client.post("/emergency/plans/new/", fields).status_code == 302
    plan = Plan.objects.get(title="东湖小学传染病防控预案")
    assert plan.owner == org.handler_housing
    assert AuditEntry.objects.filter(action="emergency.plan.create", target_id=str(plan.pk)).exists()
    assert f'<option value="{org.handler_housing.pk}" selected>' in client.get(f"/emergency/plans/{plan.pk}/").content.decode()
    Plan.objects.exclude(pk=plan.pk).update(reminded_on=None, review_on=timezone.localdate() + dt.timedelta(days=400))
    assert services.expiry_reminders() == 1
    assert Notification.objects.filter(user=org.handler_housing, kind="emergency.plan_review",
                                       text__contains="东湖小学传染病防控预案").exists()

    refused = client.post(f"/emergency/plans/{plan.pk}/", {**fields, "owner": org.citizen.pk}, follow=True)
    assert "请选择在职人员" in refused.content.decode()  # a citizen holds no role: not a plan's owner
    plan.refresh_from_db()
    assert plan.owner == org.handler_housing
