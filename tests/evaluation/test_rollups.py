"""Rollups kept by the event hook equal a direct aggregate over the appeals, after any history."""
from __future__ import annotations

import random
from collections import defaultdict

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Assignment
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.workdays import WorkCalendar
from gongzhi.evaluation import kpis
from gongzhi.evaluation import services as ev
from gongzhi.evaluation.models import AppealFact, KpiRollup


def direct_counts():
    """Counters per (kind, unit, month) computed straight from the appeal rows, without facts."""
    cal = WorkCalendar.current()
    out = defaultdict(kpis.empty_counts)
    for a in Appeal.objects.select_related("region", "category"):
        if a.status == "merged":
            continue
        received = timezone.localtime(a.received_at)
        month = received.date().replace(day=1)
        excluded = hasattr(a, "kpi_exclusion")
        leads = [x for x in a.assignments.filter(role="lead", department_id=a.lead_department_id)
                 .exclude(state__in=["returned", "withdrawn"]).order_by("dispatched_at", "id")]
        replied = a.replied_at is not None and a.status in ("replied", "closed")
        rated = a.satisfaction != ""
        c = dict.fromkeys(kpis.COUNTERS, 0)
        if excluded:
            c["excluded"] = 1
        else:
            c["appeals"] = 1
            c["dispatched"] = int(a.lead_department_id is not None and a.dispatched_at is not None)
            c["ack_on_time"] = int(c["dispatched"] and bool(leads) and leads[0].acknowledged_at is not None
                                   and leads[0].acknowledged_at <= leads[0].ack_due_at)
            c["replied"] = int(replied)
            c["replied_on_time"] = int(replied and a.replied_at <= a.due_at)
            c["rated"] = int(rated)
            c["satisfied"] = int(a.satisfaction == "satisfied")
            c["basic"] = int(a.satisfaction == "basic")
            c["dissatisfied"] = int(a.satisfaction == "dissatisfied")
            c["resolved"] = int(rated and a.resolved is True)
            c["returned"] = int(a.return_count > 0)
            c["repeated"] = int(a.merged.exists())
            c["reopened"] = int(replied and a.reopen_count > 0)
            c["closed"] = int(a.status == "closed")
            c["open"] = int(a.status in ("received", "dispatched", "handling", "replied"))
        hist = {}
        if replied and not excluded:
            days = cal.workdays_between(received.replace(tzinfo=None),
                                        timezone.localtime(a.replied_at).replace(tzinfo=None))
            c["handled_centi"] = kpis.centi_days(days)
            hist = {str(kpis.tenths_ceil(c["handled_centi"])): 1}
        c["hist"] = hist
        units = [("city", 0), ("department", a.lead_department_id), ("community", a.region_id),
                 ("subdistrict", a.region.parent_id if a.region_id else None), ("grid", a.grid_id),
                 ("category", a.category.root.pk if a.category_id else None)]
        for kind, uid in units:
            if uid is not None:
                kpis.add_counts(out[(kind, uid, month)], c)
    return {k: v for k, v in out.items() if any(v[c] for c in kpis.COUNTERS)}


def stored_counts():
    ev.flush_pending()  # the appeals' changes noted by the event hook, folded into the rollups
    return {(r.kind, r.unit_id, r.month): r.counts() for r in KpiRollup.objects.all()
            if any(getattr(r, c) for c in kpis.COUNTERS)}


def random_history(org, make_appeal, rng: random.Random, n: int = 14):
    depts = [(org.housing, org.handler_housing), (org.env, org.handler_env)]
    appeals = []
    for i in range(n):
        grid_lon = rng.choice([116.405, 116.305, None])
        appeals.append(make_appeal(lat=39.905 if grid_lon else None, lon=grid_lon,
                                   region=org.east_c if grid_lon is None else None,
                                   category=rng.choice([org.cat_property, org.cat_noise]),
                                   appellant_phone=f"1391234{i:04d}"))
    for step in range(160):
        a = Appeal.objects.get(pk=rng.choice(appeals).pk)
        try:
            if a.status == "received":
                roll = rng.random()
                if roll < 0.1 and len(appeals) > 2:
                    other = rng.choice([x for x in appeals if x.pk != a.pk])
                    services.merge(a, other, org.dispatcher)
                elif roll < 0.15:
                    ev.exclude(a, org.supervisor, "无理诉求，反复骚扰")
                else:
                    dept, _ = rng.choice(depts)
                    services.dispatch(a, org.dispatcher, dept)
            elif a.status == "dispatched":
                asg = a.assignments.filter(state="pending", role="lead").first()
                handler = org.handler_housing if asg.department_id == org.housing.pk else org.handler_env
                if rng.random() < 0.2:
                    services.return_assignment(asg, handler, "不属于本部门职责")
                else:
                    if rng.random() < 0.3:  # a late acknowledgement
                        Assignment.objects.filter(pk=asg.pk).update(ack_due_at=timezone.now() - timezone.timedelta(hours=1))
                    services.acknowledge(asg, handler)
            elif a.status == "handling":
                handler = org.handler_housing if a.lead_department_id == org.housing.pk else org.handler_env
                if rng.random() < 0.3:
                    Appeal.objects.filter(pk=a.pk).update(due_at=timezone.now() - timezone.timedelta(hours=1))
                services.reply(a, handler, "已到现场核查并处理完毕，问题已解决。", resolved=rng.random() < 0.8)
            elif a.status == "replied":
                roll = rng.random()
                if roll < 0.2:
                    services.auto_close_unrated(now=timezone.now() + timezone.timedelta(days=30))
                else:
                    services.follow_up(a, rng.choice(["satisfied", "basic", "dissatisfied"]),
                                       resolved=rng.choice([True, False, None]))
            elif a.status == "closed" and rng.random() < 0.3:
                services.reopen(a, org.supervisor, "督办员要求重办")
        except (ActionRefused, FieldErrors):
            pass
    return appeals


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_equal_a_direct_aggregate_after_a_random_history(org, make_appeal, django_capture_on_commit_callbacks, seed):
    rng = random.Random(seed)
    with django_capture_on_commit_callbacks(execute=True):
        random_history(org, make_appeal, rng)
    ev.flush_pending()  # the facts are folded from the events' marks, as the worker does every minute
    assert AppealFact.objects.exists()
    expected = direct_counts()
    assert stored_counts() == expected
    # and a full rebuild gives the very same rows
    ev.rebuild()
    assert stored_counts() == expected


def test_working_day_index_agrees_with_the_calendar():
    import datetime as dt

    cal = WorkCalendar()
    idx = kpis.WorkdayIndex(cal.is_workday, dt.date(2024, 9, 1), dt.date(2024, 11, 30))
    rng = random.Random(5)
    for _ in range(300):
        start = dt.datetime(2024, 9, 1) + dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
        end = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 25))
        assert idx.between(start, end) == pytest.approx(cal.workdays_between(start, end), abs=1e-9)
