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
