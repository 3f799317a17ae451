"""The leader dashboard and the public statistics page in Chromium: Chinese text, drawn charts and map,
data tables, and drill-down from a number to the appeals behind it."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(org, make_appeal):
    """A handful of appeals through the real lifecycle (hooks run on commit in transactional tests)."""
    from gongzhi.appeals import services

    appeals = []
    for i in range(5):
        on_east = i % 2 == 0
        a = make_appeal(title=f"小区噪音扰民第{i + 1}次反映", category=org.cat_noise if i % 2 else org.cat_property,
                        lat=39.905 if on_east else 39.905, lon=116.405 if on_east else 116.305)
        dept, handler = (org.env, org.handler_env) if i % 2 else (org.housing, org.handler_housing)
        services.dispatch(a, org.dispatcher, dept)
        services.acknowledge(a.assignments.get(), handler)
        if i < 4:
            services.reply(a, handler, "已到现场核查，责令整改，问题已解决。")
            services.follow_up(a, ["satisfied", "basic", "dissatisfied", "satisfied"][i], resolved=i != 2)
        appeals.append(a)
    return appeals


def test_leader_dashboard_renders_charts_map_and_drills_down(page, login, shot, org, city):
    login("leader")
    page.goto("/evaluation/")  # opens on last month, the last complete one; this month is a click away
    page.click("text=截至今日，未完结")
    page.wait_for_selector("#chart-trend[data-rendered='1'] svg")
    assert "未完结" in page.inner_text(".period-note.partial")
    page.wait_for_selector("#grid-map[data-rendered='1'] path.leaflet-interactive")
    assert "领导驾驶舱" in page.inner_text("h1")
    assert "响应率" in page.inner_text(".three-rates") and "满意率" in page.inner_text(".three-rates")
    assert page.locator("#chart-categories svg").count() == 1
    # every chart has its numbers as a table
    assert page.locator("details.sr-table").count() >= 4
    page.locator("details.sr-table summary").first.click()
    assert page.locator("details.sr-table table").first.is_visible()
    shot(page, "evaluation-leader-dashboard")

    # drill down: the response rate links to the dispatched appeals of this month
    page.locator(".three-rates a").first.click()
    page.wait_for_selector(".drill-count")
    assert page.inner_text(".drill-count") == "5"
    assert city[0].tracking_number in page.inner_text("table.drill")
    shot(page, "evaluation-drill-down")

    # and the department ranking shows both bureaus
    from django.utils import timezone

    page.goto(f"/evaluation/rankings/?month={timezone.localdate():%Y-%m}")
    text = page.inner_text("table.ranking")
    assert "区住建局" in text and "区生态环境局" in text
    shot(page, "evaluation-rankings")


def test_public_statistics_page_without_login(page, shot, org, city):
    page.goto("/evaluation/public/")
    page.wait_for_selector("#chart-pub-volume[data-rendered='1'] svg")
    assert "诉求办理公开统计" in page.inner_text("h1")
    body = page.inner_text("main")
    assert "区住建局" in body and "平均办理时长" in body
    assert city[0].tracking_number not in body
    shot(page, "evaluation-public-statistics")


def test_department_dashboard_and_printable_report(page, login, shot, org, city):
    login("handler_zjj")
    page.goto("/evaluation/department/")
    page.wait_for_selector("#chart-dept-trend[data-rendered='1'] svg")
    assert "区住建局" in page.inner_text("h1")
    assert "满意率" in page.inner_text("table.kpi-panel")
    shot(page, "evaluation-department-dashboard")
    page.click("text=月度考评报告")
    page.wait_for_selector("#chart-report-trend[data-rendered='1'] svg")
    assert "考评报告" in page.inner_text("h1")
    with page.expect_download() as download:
        page.click("text=下载 Word 报告")
    assert download.value.suggested_filename.endswith(".docx")
    shot(page, "evaluation-monthly-report")
