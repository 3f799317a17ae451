"""An appeal's change reaches the KPI rollups without the request that made it locking a rollup row:
the event leaves a mark, the marks are folded later (the worker, or whoever reads the figures first),
and every figure read is exact."""
from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, connections

from gongzhi.appeals import services
from gongzhi.evaluation import services as ev
from gongzhi.evaluation.models import AppealFact, KpiRollup, PendingRefresh
from gongzhi.evaluation.tasks import flush_pending_kpis
from tests.conftest import build_org, postgres_only


def test_an_appeal_change_is_noted_and_the_figures_read_right_after_are_exact(org, make_appeal,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, second = make_appeal(), make_appeal(appellant_phone="13912345678")
        services.dispatch(first, org.dispatcher, org.housing)
    # the requests wrote marks only: no rollup row was touched on their way
    assert PendingRefresh.objects.exists() and not KpiRollup.objects.exists()
    month = ev.month_start(first.received_at.date())
    counts = ev.unit_counts("city", 0, [month])
    assert (counts["appeals"], counts["dispatched"], counts["open"]) == (2, 1, 2)
    assert ev.unit_counts("department", org.housing.pk, [month])["dispatched"] == 1
    assert not PendingRefresh.objects.exists()
    assert AppealFact.objects.count() == 2


def test_the_worker_folds_what_is_pending_and_folding_twice_changes_nothing(org, make_appeal,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
        services.dispatch(appeal, org.dispatcher, org.env)
    assert flush_pending_kpis.call() == 1  # two events of one appeal: one fact written
    assert not PendingRefresh.objects.exists()
    stored = {(r.kind, r.unit_id): r.appeals for r in KpiRollup.objects.all()}
    assert stored[("city", 0)] == 1 and stored[("department", org.env.pk)] == 1
    ev.mark_stale([appeal.pk])
    assert ev.flush_pending() == 0
    assert {(r.kind, r.unit_id): r.appeals for r in KpiRollup.objects.all()} == stored


def test_an_exclusion_moves_the_appeal_out_of_the_figures_read_next(org, make_appeal,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
    month = ev.month_start(appeal.received_at.date())
    assert ev.unit_counts("city", 0, [month])["appeals"] == 1
    ev.exclude(appeal, org.supervisor, "无理诉求，反复投诉")
    counts = ev.unit_counts("city", 0, [month])
    assert (counts["appeals"], counts["excluded"]) == (0, 1)


@pytest.mark.django_db(transaction=True)
@postgres_only("a row lock held by a second connection while the first one takes appeals")
def test_intake_does_not_wait_for_the_citys_rollup_row(caplog):
    """A dashboard refresh (or anything else) holding the city's rollup row must not stall intake:
    before, every appeal event updated that row, so concurrent requests queued on its lock."""
    org = build_org()
    services.receive(channel="web", title="小区电梯长期故障无人维修", content="东湖社区3栋电梯坏了两个月。",
                     appellant_phone="13812345678", category=org.cat_property, run_hooks=False)
    ev.flush_pending()
    city = KpiRollup.objects.get(kind="city", unit_id=0)
    holding, release, failures = threading.Event(), threading.Event(), []

    def hold_the_city_row():
        try:
            from django.db import transaction

            with transaction.atomic():
                KpiRollup.objects.select_for_update().get(pk=city.pk)
                holding.set()
                release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            holding.set()
            connections.close_all()

    holder = threading.Thread(target=hold_the_city_row)
    holder.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a hook that waited for the row would fail, logged
        caplog.set_level(logging.ERROR)
        appeal, _code = services.receive(channel="web", title="楼道堆物影响通行", content="东湖社区5栋楼道堆满杂物。",
                                         appellant_phone="13812345679", category=org.cat_property, run_hooks=False)
        services.dispatch(appeal, org.dispatcher, org.housing)
        assert not [r for r in caplog.records if "hook" in r.getMessage()]
        assert set(PendingRefresh.objects.values_list("appeal_id", flat=True)) == {appeal.pk}
    finally:
        release.set()
        holder.join(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not failures
    counts = ev.unit_counts("city", 0, [ev.month_start(appeal.received_at.date())])
    assert (counts["appeals"], counts["dispatched"]) == (2, 1)
