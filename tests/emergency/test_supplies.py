"""Supplies by warehouse: in, out, transfer, count; a request dispatched all or nothing; stock never
below zero, even with dispatches racing each other (real concurrent transactions on PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.emergency import services, supplies
from gongzhi.emergency.models import Movement, Stock, SupplyRequest, Warehouse
from tests.conftest import postgres_only


def incident(org, em):
    return services.report(em.officer, title="内涝", category="natural", level="IV", region=org.east_c)


@pytest.mark.django_db
def test_movements_in_out_transfer_and_count(org, em):
    store = Warehouse.objects.create(name="东城街道物资点", region=org.east)
    supplies.transfer(em.depot, store, em.sandbags, 30, em.officer)
    supplies.issue(store, em.sandbags, 10, em.officer)
    supplies.count(em.depot, em.sandbags, 65, em.officer, note="盘亏 5 袋")
    assert supplies.quantity(em.depot, em.sandbags) == 65 and supplies.quantity(store, em.sandbags) == 20
    assert list(Movement.objects.order_by("id").values_list("kind", "quantity")) == [
        ("in", 100), ("transfer", -30), ("out", -10), ("count", -5)]
    with pytest.raises(ActionRefused):
        supplies.issue(store, em.sandbags, 21, em.officer)
    with pytest.raises(FieldErrors):
        supplies.receive(store, em.sandbags, -3, em.officer)
    assert supplies.quantity(store, em.sandbags) == 20


@pytest.mark.django_db
def test_a_request_is_dispatched_whole_or_refused_and_shows_on_the_timeline(org, em):
    case = incident(org, em)
    small = supplies.request(case, em.sandbags, 60, em.officer)
    large = supplies.request(case, em.sandbags, 60, em.officer)
    supplies.dispatch(small, em.depot, em.officer)
    with pytest.raises(ActionRefused):
        supplies.dispatch(large, em.depot, em.officer)
    large.refresh_from_db()
    assert large.status == "requested" and supplies.quantity(em.depot, em.sandbags) == 40
    assert "沙袋 × 60" in case.events.filter(kind="supplies").get().note
    with pytest.raises(ActionRefused):
        supplies.dispatch(small, em.depot, em.officer)  # dispatched already


@postgres_only("concurrent dispatches need real concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_parallel_dispatches_never_drive_stock_below_zero(org, em):
    case = incident(org, em)
    requests = [supplies.request(case, em.sandbags, 15, em.officer) for _ in range(12)]  # 180 asked, 100 held
    barrier = threading.Barrier(len(requests))
    outcomes = []

    def run(req):
        try:
            barrier.wait()
            supplies.dispatch(req, em.depot, em.officer)
            outcomes.append("dispatched")
        except ActionRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert connection.vendor == "postgresql"
    assert outcomes.count("dispatched") == 6 and outcomes.count("refused") == 6
    assert Stock.objects.get(warehouse=em.depot, item=em.sandbags).quantity == 10
    assert SupplyRequest.objects.filter(status="dispatched").count() == 6
