"""Joining a hot issue costs the same whether it has three members or three hundred: intake used to
reload every member (and to rescan them in memory) on each appeal, and slowed as an issue grew."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals import services
from gongzhi.triage.duplicates import Appeal
from gongzhi.triage.hotissues import HotIssueIndex, alert_checks

T0 = datetime(2024, 5, 1, 8, 0)
TITLE = "阳光花园小区垃圾站臭气熏天"


def report(n: int) -> Appeal:
    text = f"{TITLE}\n阳光花园小区{n % 30 + 1}栋旁边的垃圾站离住宅楼太近，每天臭味很大，希望尽快搬迁垃圾站。"
    return Appeal(str(n), text, T0 + timedelta(minutes=7 * n), f"user{n}", TITLE)


class Vectors(list):
    """The members' term vectors, counting how many are read."""

    reads = 0

    def __getitem__(self, i):
        Vectors.reads += 1
        return super().__getitem__(i)


class Times(list):
    """The members' times, counting passes over all of them (bisection is fine)."""

    scans = 0

    def __iter__(self):
        Times.scans += 1
        return super().__iter__()


def test_what_an_intake_reads_of_its_issue_does_not_grow_with_the_issue():
    index = HotIssueIndex()
    ids = {index.add(report(n)) for n in range(200)}
    assert len(ids) == 1
    issue = index.issues[ids.pop()]
    issue.vectors, issue.times = Vectors(issue.vectors), Times(issue.times)
    Vectors.reads = Times.scans = 0
    for n in range(200, 400):
        assert index.add(report(n)) == issue.id
        # what the intake hook reads after each appeal: the row's figures and the alert check
        assert issue.title == TITLE
        issue.heat(), issue.distinct_people, issue.place, issue.top_terms(8), alert_checks(issue)
    assert issue.size == 400 and issue.distinct_people == 400
    assert Times.scans == 0  # no pass over all members' times (was two per heat, one per alert check)
    assert Vectors.reads < 5 * 200  # the subject is kept up as members come (was ~60,000 reads)


def test_joining_a_big_issue_queries_no_more_than_joining_a_small_one(org):
    def intake(n: int) -> list[dict]:
        with CaptureQueriesContext(connection) as ctx:
            services.receive(channel="web", title=TITLE, content=report(n).text.split("\n", 1)[1],
                             appellant_phone=f"139{n:08d}")
        return ctx.captured_queries

    small = [intake(n) for n in range(10)][-1]  # its alert is up by now, as the big one's is
    for n in range(10, 60):
        big = intake(n)
    assert len(big) == len(small)
    for query in big:  # no query lists the issue's members
        for values in re.findall(r"\bIN \(([^)]*)\)", query["sql"]):
            assert values.count(",") < 5, query["sql"][:200]
