"""The map of disputes and petitions: open cases counted per grid (coloured by the worst risk) and,
for what has only a community, at the community's centre; over the reader's scope; the payload
carries unit names and counts, never a title, party or petitioner."""
from __future__ import annotations

import json
import re

from django.test import Client
from django.utils import timezone

from gongzhi.core.models import Role
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes import services

from .conftest import person


def payload(client, query=""):
    answer = client.get("/disputes/map/" + query)
    assert answer.status_code == 200
    page = answer.content.decode()
    found = re.search(r'<script id="disputes-map-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1)), page


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_map_counts_open_cases_per_grid_and_community_without_personal_data(org, report, kinds, officer):
    report()
    report(facts="12名工人被拖欠工资，扬言同归于尽。", people_involved=12, kind=kinds["labour_wages"])
    closed = services.accept(report(), org.mediator)
    services.close(services.settle(closed, org.mediator, outcome="", terms="赔偿", performance="当日"), org.mediator)
    services.report(actor=org.supervisor, title="西山土地纠纷", facts="承包地边界争议。", kind=kinds["land_contract"],
                    region=org.west_c, parties=[{"name": "赵六", "phone": "13700001111"}, {"name": "钱七"}])
    petitions.register(actor=officer, channel="visit", received_at=timezone.now(), petitioner_name="陈桂芳",
                       petitioner_phone="13800001111", subject="征地补偿款未发放", content="补偿款至今未发。",
                       region=org.east_c)

    data, page = payload(signed_in(org.supervisor))
    grids = {g["name"]: g for g in data["grids"]}
    assert set(grids) == {"东湖第一网格"}
    east = grids["东湖第一网格"]
    assert east["count"] == 2 and east["worst"] in ("red", "orange")  # the closed one is not on the map
    assert east["polygon"] == org.east_g.polygon and east["url"] == f"/disputes/?grid={org.east_g.pk}"
    communities = {c["name"]: c for c in data["communities"]}
    assert (communities["西山社区"]["disputes"], communities["西山社区"]["petitions"]) == (1, 0)
    assert (communities["东湖社区"]["disputes"], communities["东湖社区"]["petitions"]) == (0, 1)
    assert communities["东湖社区"]["lat"] is not None
    text = json.dumps(data, ensure_ascii=False)
    for private in ("王建国", "李秀英", "13911112222", "赵六", "陈桂芳", "13800001111", "漏水", "征地补偿款", "同归于尽"):
        assert private not in text

    # The grid's drill-down lists its disputes.
    listed = signed_in(org.supervisor).get(east["url"]).content.decode()
    assert 'data-testid="grid-filter"' in listed and listed.count("/disputes/") > 2


def test_the_map_is_scoped_and_petitions_are_shown_only_to_whom_may_see_them(org, report, kinds, officer):
    report()
    services.report(actor=org.supervisor, title="西山土地纠纷", facts="承包地边界争议。", kind=kinds["land_contract"],
                    region=org.west_c, parties=[{"name": "赵六"}, {"name": "钱七"}])
    petitions.register(actor=officer, channel="letter", received_at=timezone.now(), petitioner_name="某",
                       subject="补偿", content="补偿款未发", region=org.west_c)

    data, _page = payload(signed_in(org.grid_worker))  # the east grid's worker
    assert [g["name"] for g in data["grids"]] == ["东湖第一网格"] and data["communities"] == []

    data, _page = payload(signed_in(org.mediator))  # mediators see no petitions
    assert all(c["petitions"] == 0 for c in data["communities"])

    data, _page = payload(signed_in(officer))
    assert {c["name"]: c["petitions"] for c in data["communities"]}["西山社区"] == 1

    data, _page = payload(signed_in(org.supervisor), "?risk_level=red")
    assert data == {"grids": [], "communities": []}

    assert signed_in(org.operator).get("/disputes/map/").status_code == 404
    west_worker = person("west_worker", Role.GRID_WORKER, grid=org.west_g)
    data, _page = payload(signed_in(west_worker))
    assert data["grids"] == [] and [c["name"] for c in data["communities"]] == []


def test_the_map_reads_in_english(org, report, officer):
    from tests.english import chinese_left

    report()
    petitions.register(actor=officer, channel="letter", received_at=timezone.now(), petitioner_name="某",
                       subject="补偿", content="补偿款未发", region=org.west_c)
    client = signed_in(org.supervisor)
    client.cookies["django_language"] = "en"
    data, page = payload(client)
    assert "Map of disputes and petitions" in page and "disputes (" in data["grids"][0]["tip"]
    assert chinese_left(page[page.index("<main"):]) == []  # the section; the menus are test_english_crawl's
