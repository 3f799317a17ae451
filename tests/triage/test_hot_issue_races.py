"""A hot issue is held once while it is active, whatever runs at the same time: intakes joining it
from several connections, and the daily rebuild replacing the whole set (it used to leave two
active rows for one issue, and every later intake that joined it lost its triage)."""
from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from gongzhi.appeals import services
from gongzhi.triage import services as triage
from gongzhi.triage.models import HotIssue
from tests.conftest import build_org, postgres_only

PROBLEM = [("阳光花园小区垃圾站臭气熏天", "阳光花园小区{n}栋旁边的垃圾站离住宅楼太近，每天臭味很大，希望尽快搬迁垃圾站。"),
           ("阳光花园小区垃圾站气味难闻", "阳光花园小区垃圾站夏天散发恶臭，住在{n}栋的居民窗户都不敢开，请求处理。"),
           ("再次反映阳光花园小区垃圾站臭味", "阳光花园小区垃圾站长期不清洗，臭气熏天，{n}栋业主多次向物业反映无果。")]


def report(n: int):
    title, body = PROBLEM[n % len(PROBLEM)]
    appeal, _ = services.receive(channel="web", title=title, content=body.format(n=n + 1), appellant_name="王五",
                                 appellant_phone=f"139{n:08d}", lat=39.905, lon=116.405)
    return appeal


def in_thread(fn, barrier: threading.Barrier, errors: list):
    """Run fn on its own database connection, as another server thread or process would."""
    def run():
        try:
            barrier.wait(30)
            fn()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()
    return threading.Thread(target=run)


def active_keys_held_twice() -> list:
    return list(HotIssue.objects.filter(state=HotIssue.State.ACTIVE).values("key").annotate(n=Count("id"))
                .filter(n__gt=1).values_list("key", flat=True))


@pytest.mark.django_db(transaction=True)
@postgres_only("two real connections writing at once: SQLite takes one writer at a time")
def test_intake_racing_the_rebuild_leaves_one_active_row_per_issue_and_every_appeal_triaged():
    build_org()
    first = [report(n) for n in range(6)]
    assert HotIssue.objects.filter(state=HotIssue.State.ACTIVE, size__gte=6).count() == 1
    received, errors = [], []
    barrier = threading.Barrier(3)

    def rebuild():
        for _ in range(3):
            triage.rebuild_hot_issues()

    def intake():
        for n in range(6, 16):
            received.append(report(n).pk)

    threads = [in_thread(rebuild, barrier, errors), in_thread(intake, barrier, errors),
               in_thread(lambda: [received.append(report(n).pk) for n in range(16, 26)], barrier, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    assert active_keys_held_twice() == []
    from gongzhi.appeals.models import Appeal

    for appeal in Appeal.objects.filter(pk__in=received):
        assert appeal.triage.get("risk") is not None and not appeal.triage.get("failed"), appeal.triage
        assert appeal.triage.get("hot_issue"), appeal.triage
    # each report is in exactly one active issue, and each issue counts the members it lists
    members = []
    for issue in HotIssue.objects.filter(state=HotIssue.State.ACTIVE):
        listed = list(issue.appeals.values_list("pk", flat=True))
        assert issue.size == len(listed)
        members += listed
    assert sorted(members) == sorted([a.pk for a in first] + received)


@pytest.mark.django_db(transaction=True)
@postgres_only("two real connections writing at once: SQLite takes one writer at a time")
def test_two_intakes_starting_the_same_issue_at_once_make_one_row():
    """Two server threads file the first two reports of a new issue in the same instant: the
    second one's transaction starts before the first one's has committed its new row."""
    build_org()
    triage.warm()
    pair = [services.receive(channel="web", title=PROBLEM[n][0], content=PROBLEM[n][1].format(n=n + 1),
                             appellant_phone=f"1390000000{n}", run_hooks=False)[0] for n in range(2)]
    errors = []
    barrier, both_inside = threading.Barrier(2), threading.Barrier(2)

    def intake(appeal):
        def run():
            with transaction.atomic():  # as the JSON API holds one transaction for the whole request
                triage.on_intake(appeal)
                try:
                    both_inside.wait(5)  # keep the new row uncommitted until the other has tried too
                except threading.BrokenBarrierError:
                    pass  # the other is waiting for this row: commit and let it go on
        return run

    threads = [in_thread(intake(a), barrier, errors) for a in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    rows = HotIssue.objects.filter(state=HotIssue.State.ACTIVE)
    assert rows.count() == 1
    assert rows.get().size == rows.get().appeals.count() == 2
    for appeal in pair:
        appeal.refresh_from_db()
        assert appeal.triage["hot_issue"] == rows.get().key and not appeal.triage.get("failed")


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_row_for_one_issue(org):
    HotIssue.objects.create(key=7, title="垃圾站臭味")
    HotIssue.objects.create(key=7, title="垃圾站臭味", state=HotIssue.State.CLOSED)  # history may repeat
    with pytest.raises(IntegrityError), transaction.atomic():
        HotIssue.objects.create(key=7, title="垃圾站臭味")
