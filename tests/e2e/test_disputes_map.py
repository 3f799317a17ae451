"""The map of disputes and petitions in Chromium: a supervisor sees the open disputes' grid
coloured by its worst risk and the petitions' community marker, a tooltip in words, and a click on
the grid opens that grid's disputes; nothing personal is in the page's map data."""
from __future__ import annotations

import pytest
from django.utils import timezone

from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes import services
from gongzhi.disputes.kinds import ensure_default_kinds
from gongzhi.disputes.models import DisputeKind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_map_draws_grids_and_communities_and_drills_down(org, page, login, shot):
    ensure_default_kinds(DisputeKind)
    wages = DisputeKind.objects.get(code="labour_wages")
    services.report(actor=org.grid_worker, title="工地欠薪", facts="12名工人被拖欠工资半年，扬言同归于尽。", kind=wages,
                    region=None, grid=org.east_g, people_involved=12,
                    parties=[{"name": "王建国", "phone": "13911112222"}, {"name": "某建筑公司", "kind": "organisation"}])
    petitions.register(actor=org.supervisor, channel="visit", received_at=timezone.now(), petitioner_name="陈桂芳",
                       petitioner_phone="13800001111", subject="补偿款未发", content="补偿款至今未发。", region=org.west_c)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    login("supervisor")
    page.goto("/disputes/map/")
    page.wait_for_selector("[data-testid=disputes-map][data-rendered='2']")
    shapes = page.locator("#disputes-map path.leaflet-interactive")
    assert shapes.count() == 2  # the east grid's polygon and the west community's circle
    assert page.locator("#disputes-map path[fill='#c0392b']").count() == 1  # red: the worst risk there
    data = page.locator("#disputes-map-data").text_content()
    for private in ("王建国", "13911112222", "陈桂芳", "13800001111", "欠薪", "补偿款"):
        assert private not in data
    shot(page, "disputes-map")
    shapes.first.hover()
    page.wait_for_selector(".leaflet-tooltip")
    assert "东湖第一网格" in page.locator(".leaflet-tooltip").inner_text()
    shapes.first.click()
    page.wait_for_url("**/disputes/?grid=*")
    assert page.locator("[data-testid=grid-filter]").inner_text().endswith("东湖第一网格")
    assert errors == []
