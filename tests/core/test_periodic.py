"""The periodic table (gongzhi.core.periodic): every app registers its timed tasks and its cron sweeps
in ready(); `gongzhi worker` and `gongzhi sweep` run them without knowing the apps."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from gongzhi.core import periodic


def test_every_apps_periodic_tasks_are_in_the_table():
    names = {t.module_path: every for t, every in periodic.TABLE.items()}
    assert names["gongzhi.appeals.tasks.sweep_deadlines"] == 300
    assert names["gongzhi.appeals.tasks.auto_close_unrated"] == 3600
    assert names["gongzhi.triage.tasks.rebuild_hot_issues"] == 24 * 3600
    assert names["gongzhi.triage.tasks.retrain_classifier"] == 7 * 24 * 3600
    assert names["gongzhi.api.webhooks.retry_due_webhooks"] == 300
    assert names["gongzhi.safety.tasks.generate_daily_bulletin"] == 15 * 60
    assert names["gongzhi.evaluation.tasks.export_opendata"] == 24 * 3600


def test_the_first_registration_of_a_task_stands():
    task = next(iter(periodic.TABLE))
    every = periodic.TABLE[task]
    periodic.register(task, 1)
    assert periodic.TABLE[task] == every


@pytest.mark.django_db
def test_gongzhi_sweep_runs_the_registered_sweeps_in_order_and_leaves_out_the_named_ones(org):
    ran = []
    periodic.register_sweep("test-count", lambda: ran.append("count") or 7, lambda n: f"counted {n}", help="a count")
    try:
        out = io.StringIO()
        call_command("sweep", stdout=out)
        lines = out.getvalue().splitlines()
        firsts = [next(i for i, line in enumerate(lines) if line.startswith(start))
                  for start in ("期限巡检：", "回访期满自动办结：", "counted 7")]
        assert firsts == sorted(firsts) and lines[-1] == "counted 7" and ran == ["count"]  # in registration order

        out = io.StringIO()
        call_command("sweep", "--no-auto-close", "--no-test-count", stdout=out)
        lines = out.getvalue().splitlines()
        assert any(line.startswith("期限巡检：") for line in lines) and ran == ["count"]
        assert not any(line.startswith(("回访期满自动办结：", "counted")) for line in lines)
    finally:
        del periodic.SWEEPS["test-count"]


@pytest.mark.django_db
def test_claims_older_than_a_day_are_cleared_so_the_table_stays_small():
    import datetime as dt

    from django.utils import timezone

    from gongzhi.core.models import PeriodicRun

    task = next(iter(periodic.TABLE))
    start = timezone.now().replace(microsecond=0)
    slots = [start + dt.timedelta(hours=h) for h in range(0, 49, 6)]  # two days, every six hours
    assert all(periodic.claim(task, slot) for slot in slots)
    assert not periodic.claim(task, slots[-1])  # a slot is still claimed once
    kept = sorted(PeriodicRun.objects.filter(task=task.module_path).values_list("slot", flat=True))
    assert kept[0] >= slots[-1] - dt.timedelta(days=1) and kept[-1] == slots[-1]
