"""Other apps' figures on the leader dashboard through core.dashboards (evaluation imports none of
them): the disputes' mediation success rate and median days, per community and per kind, over the
reader's scope, each row linking to its disputes; a failing panel leaves the dashboard standing."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils import timezone

from gongzhi.core import dashboards
from gongzhi.core.models import Role
from gongzhi.disputes import services
from gongzhi.disputes.kinds import ensure_default_kinds
from gongzhi.disputes.models import DisputeKind

from tests.disputes.conftest import PARTIES, person


def _mediate(org, mediator, kind, grid, days, succeed):
    dispute = services.report(actor=org.grid_worker, title="楼上漏水邻里纠纷", facts="卫生间漏水，双方争执。", kind=kind,
                              region=None, grid=grid, parties=PARTIES, source="screening")
    dispute = services.accept(dispute, mediator, at=timezone.now() - dt.timedelta(days=days))
    if succeed:
        return services.settle(dispute, mediator, outcome="", terms="赔偿维修费", performance="一周内", at=timezone.now())
    return services.fail(dispute, mediator, outcome="分歧大", at=timezone.now())


def test_the_leader_dashboard_shows_mediation_results_over_the_readers_scope(org):
    ensure_default_kinds(DisputeKind)
    neighbour, traffic = DisputeKind.objects.get(code="neighbour"), DisputeKind.objects.get(code="traffic")
    west_mediator = person("west_mediator", Role.MEDIATOR, region=org.west)
    for days, succeed in ((4, True), (10, True), (20, False)):
        _mediate(org, org.mediator, neighbour, org.east_g, days, succeed)
    _mediate(org, west_mediator, traffic, org.west_g, 6, False)

    city = Client()
    city.force_login(org.supervisor)  # the whole district
    page = city.get("/evaluation/").content.decode()
    assert 'data-testid="panel-disputes.mediation"' in page and "矛盾纠纷调解成效" in page
    assert "50.0%" in page  # 2 agreed of 4 concluded, overall
    assert "66.7%" in page and "东湖社区" in page and "西山社区" in page
    assert f"/disputes/?region={org.east_c.pk}" in page and "/disputes/?kind=neighbour" in page

    east = Client()
    east.force_login(org.east_supervisor)  # one subdistrict: only its community's mediations
    page = east.get("/evaluation/").content.decode()
    assert "66.7%" in page and "西山社区" not in page and "/disputes/?kind=traffic" not in page


def test_the_panel_reads_in_english(org):
    ensure_default_kinds(DisputeKind)
    _mediate(org, org.mediator, DisputeKind.objects.get(code="neighbour"), org.east_g, 3, True)
    client = Client()
    client.force_login(org.supervisor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    try:
        page = client.get("/evaluation/").content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the English request left its language active
    assert "Mediation of disputes" in page and "Neighbours" in page and "邻里纠纷" not in page


def test_a_failing_panel_is_left_out_and_the_dashboard_still_opens(org):
    def broken(user):
        raise RuntimeError("figures unavailable")

    dashboards.register_panel("tests.broken", "坏的面板", broken)
    try:
        client = Client()
        client.force_login(org.supervisor)
        answer = client.get("/evaluation/")
        assert answer.status_code == 200 and "坏的面板" not in answer.content.decode()
    finally:
        dashboards.unregister_panel("tests.broken")
