"""Background work: the deadline sweep runs as a django-tasks task through the database queue,
picked up by a real worker pass; the periodic scheduler enqueues each task once per interval."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals import services, tasks
from gongzhi.appeals.models import Status
from gongzhi.core.deadlines import DueState
from gongzhi.core import events, hooks, periodic


@pytest.fixture(autouse=True)
def _no_other_apps(monkeypatch):
    """Other apps' hooks and periodic jobs (webhooks, reply scoring, bulletins) are not under test here."""
    monkeypatch.setattr(periodic, "TABLE", {tasks.sweep_deadlines: 300, tasks.auto_close_unrated: 3600})
    with hooks.muted(events.RECORDED, services.REPLIED):
        yield


@pytest.fixture
def late_appeal(org, make_appeal, monkeypatch):
    """An appeal dispatched 40 days ago whose handling deadline has passed."""
    then = timezone.now() - dt.timedelta(days=40)
    appeal = make_appeal(received_at=then)
    with monkeypatch.context() as m:
        m.setattr(services, "_now", lambda: then)  # a dispatch never hands over a deadline already past
        services.dispatch(appeal, org.dispatcher, org.housing)
    appeal.refresh_from_db()
    assert appeal.due_at < timezone.now()
    return appeal


def run_worker(**options):
    out = io.StringIO()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_runs_in_a_database_worker(org, late_appeal):
    result = tasks.sweep_deadlines.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "READY" and row.task_path == "gongzhi.appeals.tasks.sweep_deadlines"
    late_appeal.refresh_from_db()
    assert late_appeal.due_state == DueState.ON_TRACK  # nothing happens until a worker runs it
    run_worker()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.return_value["newly_overdue"] == 1
    late_appeal.refresh_from_db()
    assert late_appeal.due_state == DueState.OVERDUE and late_appeal.urge_count == 1


@pytest.mark.django_db(transaction=True)
def test_the_auto_close_task_closes_unrated_replies(org, make_appeal):
    appeal = make_appeal(received_at=timezone.now() - dt.timedelta(days=30))
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    services.reply(appeal, org.handler_housing, "经核查，电梯已修复，已恢复正常运行，请您监督。")
    type(appeal).objects.filter(pk=appeal.pk).update(replied_at=timezone.now() - dt.timedelta(days=20))
    result = tasks.auto_close_unrated.enqueue()
    run_worker()
    assert DBTaskResult.objects.get(pk=result.id).return_value == 1
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED


@pytest.mark.django_db(transaction=True)
def test_gongzhi_worker_batch_enqueues_the_periodic_tasks_and_runs_them(org, late_appeal):
    call_command("worker", batch=True, verbosity=0, stdout=io.StringIO())
    done = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert done == {"gongzhi.appeals.tasks.sweep_deadlines": "SUCCESSFUL",
                    "gongzhi.appeals.tasks.auto_close_unrated": "SUCCESSFUL"}
    late_appeal.refresh_from_db()
    assert late_appeal.due_state == DueState.OVERDUE


def test_the_deadline_sweep_runs_every_five_minutes_and_auto_close_hourly(monkeypatch):
    monkeypatch.undo()  # the real schedule, as other apps extend it
    assert periodic.TABLE[tasks.sweep_deadlines] == 300
    assert periodic.TABLE[tasks.auto_close_unrated] == 3600


@pytest.mark.django_db
def test_the_scheduler_enqueues_each_task_once_per_interval():
    table = {tasks.sweep_deadlines: 300, tasks.auto_close_unrated: 3600}
    t0 = timezone.now()
    last_run: dict = {}

    def due(minutes):
        return sorted(periodic.enqueue_due(last_run, now=t0 + dt.timedelta(minutes=minutes), periodic=table))

    assert due(0) == ["auto_close_unrated", "sweep_deadlines"]
    # Four minutes later nothing is due; at five minutes the sweep is due but one is still waiting
    # in the queue (no worker took it), so it is not queued twice.
    assert due(4) == []
    assert due(5) == []
    assert DBTaskResult.objects.filter(task_path__endswith="sweep_deadlines").count() == 1
    # Once the queued run is done, the next interval enqueues again; auto-close waits for its hour.
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert due(10) == ["sweep_deadlines"]
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert due(61) == ["auto_close_unrated", "sweep_deadlines"]


@pytest.mark.django_db
def test_gongzhi_sweep_runs_both_sweeps_once_for_cron(org, late_appeal):
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "新超期 1" in out.getvalue() and "自动办结：0" in out.getvalue()
    late_appeal.refresh_from_db()
    assert late_appeal.due_state == DueState.OVERDUE
    assert not DBTaskResult.objects.exists()  # no queue involved
