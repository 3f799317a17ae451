"""The in-process triage indexes: built before the process takes work, never built while a request
waits behind a lock, and a rebuild swaps in without losing what intake filed meanwhile."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from gongzhi.appeals import services
from gongzhi.core import warmup
from gongzhi.triage import services as triage
from tests.conftest import build_org, postgres_only

ELEVATOR = ("东湖社区3栋电梯故障", "东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难。")


@pytest.fixture
def builds(monkeypatch):
    """Count the index builds of this process."""
    count = []
    real = triage._build

    def counting(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(triage, "_build", counting)
    return count


def test_the_warm_up_builds_the_indexes_so_the_first_intake_does_not(org, builds):
    for n in range(3):
        services.receive(channel="phone", title=ELEVATOR[0], content=ELEVATOR[1], appellant_phone=f"1381234567{n}",
                         run_hooks=False)
    warmup.run()  # what `gongzhi serve` does before it listens
    assert len(builds) == 1
    appeal, _ = services.receive(channel="web", title=ELEVATOR[0], content=ELEVATOR[1], appellant_phone="13812345678")
    appeal.refresh_from_db()
    assert len(builds) == 1  # the first intake found the indexes ready
    assert len(appeal.triage["duplicates"]) == 3 and appeal.triage["hot_issue"]


@pytest.mark.django_db(transaction=True)
@postgres_only("a rebuild on one connection while intake writes on another")
def test_intake_goes_on_while_a_rebuild_builds_and_the_new_index_keeps_what_it_filed(builds, monkeypatch):
    build_org()
    triage.warm()
    inside, intake_done = threading.Event(), threading.Event()
    real = triage._build

    def slow_build(*args, **kwargs):
        built = real(*args, **kwargs)
        inside.set()
        intake_done.wait(30)  # the build is still "running" until the intake below has finished
        return built

    monkeypatch.setattr(triage, "_build", slow_build)
    errors = []

    def rebuild():
        try:
            triage.rebuild_hot_issues()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert inside.wait(60)
    first, _ = services.receive(channel="web", title=ELEVATOR[0], content=ELEVATOR[1], appellant_phone="13812345678")
    finished_during_build = thread.is_alive()
    intake_done.set()
    thread.join(60)
    assert not errors, errors
    assert finished_during_build  # intake did not wait for the build
    first.refresh_from_db()
    assert first.triage["risk"] is not None and not first.triage["failed"]
    # The rebuilt index (built from a snapshot taken before `first` existed) has it all the same.
    second, _ = services.receive(channel="web", title=ELEVATOR[0], content=ELEVATOR[1], appellant_phone="13812345679")
    second.refresh_from_db()
    assert [d["id"] for d in second.triage["duplicates"]] == [first.pk]
