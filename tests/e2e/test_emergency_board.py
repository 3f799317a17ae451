"""The command board in real browsers: a triage alert becomes an incident, a plan is activated, two
departments update their tasks from their own browsers, and the board open in another browser shows
both updates within 5 seconds (htmx polling) without being reloaded."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.emergency.models import Incident
from gongzhi.triage import alerts
from gongzhi.triage.models import Alert
from tests.e2e.conftest import second_factor
from tests.emergency.conftest import build_emergency

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Passw0rd!x")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    second_factor(page, username)
    return context, page


def test_two_departments_updates_reach_another_open_board_within_five_seconds(browser, live_server, org, shot):
    em = build_emergency(org)
    water_handler = User.objects.create_user(username="handler_sw", password=org.password, display_name="水务承办人")
    RoleAssignment.objects.create(user=water_handler, role=Role.HANDLER, department=org.water)
    alert = alerts.raise_alert(Alert.Kind.SENSOR, "传感器报警：东湖桥水位计（wl-01）", ["水位 2.8 米，超过警戒 2.5 米"],
                               region=org.east_c, same_title=True)
    contexts = []
    try:
        ctx, leader = signed_in(browser, live_server, "leader")
        contexts.append(ctx)
        leader.goto(f"/triage/alerts/{alert.pk}/")
        leader.select_option("select[name=target]", "incident")
        leader.fill("form:has(input[value=convert]) input[name=note]", "水位超警戒，启动应急响应")
        leader.click("form:has(input[value=convert]) button")
        leader.wait_for_load_state("networkidle")
        incident = Incident.objects.get(alert=alert)
        board_url = f"/emergency/incidents/{incident.pk}/"
        leader.goto(board_url)
        leader.select_option("[data-testid=plan-choice]", str(em.flood_plan.pk))
        leader.click("[data-testid=activate]")
        expect(leader.locator("[data-testid=tasks]")).to_contain_text("开启泵站排涝")
        shot(leader, "emergency-board-activated")

        ctx, watcher = signed_in(browser, live_server, "emergency")  # the board open in a second browser
        contexts.append(ctx)
        watcher.goto(board_url)
        expect(watcher.locator("[data-testid=tasks]")).to_contain_text("待处置")
        loads = []
        watcher.on("load", lambda _page: loads.append(1))

        updates = (("handler_zjj", org.housing, "in_progress", "已转移 12 户"), ("handler_sw", org.water, "done", "泵站已开启"))
        for username, department, status, note in updates:
            ctx, handler = signed_in(browser, live_server, username)
            contexts.append(ctx)
            handler.goto(board_url)
            task = incident.tasks.get(department=department)
            row = handler.locator(f"[data-testid=task-{task.pk}]")
            row.locator("select[name=status]").select_option(status)
            row.locator("input[name=note]").fill(note)
            row.locator("[data-testid=task-save]").click()
            handler.wait_for_load_state("networkidle")
            saved = time.monotonic()
            expect(watcher.locator(f"[data-testid=task-{task.pk}]")).to_contain_text(note, timeout=5000)
            assert time.monotonic() - saved < 5
        expect(watcher.locator("[data-testid=timeline]")).to_contain_text("泵站已开启")
        assert loads == []  # the board changed in place; nobody reloaded it
        shot(watcher, "emergency-board-two-updates")
    finally:
        for ctx in contexts:
            ctx.close()


def test_an_incident_is_placed_on_the_map_when_reported_and_the_board_draws_it_there(browser, live_server, org, shot):
    em = build_emergency(org)
    ctx, page = signed_in(browser, live_server, "gridworker")
    try:
        page.goto("/emergency/incidents/new/")
        page.fill("input[name=title]", "东湖路燃气管道破裂")
        page.select_option("select[name=category]", "accident")
        page.select_option("select[name=region]", str(org.east_c.pk))
        page.fill("input[name=place]", "东湖路与湖滨路交叉口")
        page.locator("#map[data-ready='1']").wait_for()  # grid outlines drawn from the JSON endpoint
        page.locator("#map .leaflet-interactive").first.click()  # inside the east grid
        expect(page.locator("#map-hint")).to_contain_text("已选位置")
        assert page.input_value("#id_lat") and page.input_value("#id_lon")
        shot(page, "emergency-report-on-map")
        page.click("[data-testid=incident-form] button[type=submit]")
        page.wait_for_load_state("networkidle")
        incident = Incident.objects.get(title="东湖路燃气管道破裂")
        assert incident.source == "grid" and incident.grid == org.east_g
        assert 39.90 <= incident.lat <= 39.91 and 116.40 <= incident.lon <= 116.41
        expect(page.locator(".page-head")).to_contain_text("东湖第一网格")
        # The board's map draws the incident (red) beside the warehouse; the staff pages' styles are there.
        expect(page.locator("#incident-map path[stroke='#c0392b']")).to_have_count(1)
        assert page.locator("link[href$='css/pages.css']").count() == 1
        shot(page, "emergency-board-map")
    finally:
        ctx.close()
    assert em.depot.lat is not None
