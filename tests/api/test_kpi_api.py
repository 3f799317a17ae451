"""The KPI ranking over the API shows what the rankings dashboard shows, to whom it shows it."""
from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("who, allowed", [
    ("leader", True), ("supervisor", True), ("admin", True),
    ("handler_housing", False), ("dispatcher", False), ("operator", False), ("grid_worker", False),
    ("citizen", False),
])
def test_only_the_roles_that_see_the_rankings_page_get_the_ranking(org, api_as, client, who, allowed):
    user = getattr(org, who)
    response = api_as(user).get("/kpis/ranking", kind="department")
    assert response.status_code == (200 if allowed else 403)
    client.force_login(user)
    page = client.get(reverse("evaluation:rankings"))
    assert (page.status_code == 200) is allowed


def test_the_ranking_names_every_unit_of_its_kind_for_the_period(org, api_as, make_appeal):
    make_appeal()
    table = api_as(org.leader).get("/kpis/ranking", kind="department", period="quarter", month="2026-05").json()
    assert table["kind"] == "department" and table["period"] == "quarter"
    assert table["months"] == ["2026-04-01", "2026-05-01", "2026-06-01"]
    assert {r["name"] for r in table["rows"]} >= {"区住建局", "区生态环境局", "区水务公司"}
