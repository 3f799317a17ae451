"""Hooks (gongzhi.core.hooks): what other apps do when something happens runs after the work is
committed, each in its own transaction, and a failing one never loses that work."""
from __future__ import annotations

import logging

import pytest
from django.db import transaction

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core import events, hooks
from gongzhi.safety.models import IncidentEvent

pytestmark = pytest.mark.django_db


def test_a_subscriber_runs_once_the_publishers_transaction_commits(django_capture_on_commit_callbacks):
    heard = []
    with hooks.subscribed("test.topic", heard.append):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                hooks.publish("test.topic", "first")
                assert heard == []  # not before the commit
        assert heard == ["first"]
        hooks.publish("test.topic", "now", on_commit=False)
        assert heard == ["first", "now"]
    hooks.publish("test.topic", "after", on_commit=False)
    assert heard == ["first", "now"]  # unsubscribed at the end of the block


def test_nothing_runs_for_work_that_is_rolled_back(django_capture_on_commit_callbacks):
    heard = []
    with hooks.subscribed("test.topic", heard.append), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            hooks.publish("test.topic", "lost")
            raise RuntimeError
    assert heard == []


def test_subscribing_twice_runs_a_subscriber_once():
    heard = []
    hooks.subscribe("test.twice", heard.append)
    hooks.subscribe("test.twice", heard.append)
    try:
        hooks.publish("test.twice", 1, on_commit=False)
    finally:
        hooks.unsubscribe("test.twice", heard.append)
    assert heard == [1]


def test_a_failing_subscriber_is_logged_and_the_others_and_the_appeal_go_on(org, make_appeal, caplog):
    heard = []

    def broken(appeal):
        Appeal.objects.filter(pk=appeal.pk).update(title="changed by a broken hook")
        raise ValueError("broken hook")

    with hooks.muted(services.RECEIVED), hooks.subscribed(services.RECEIVED, broken), \
            hooks.subscribed(services.RECEIVED, heard.append), caplog.at_level(logging.ERROR, "gongzhi.core.hooks"):
        appeal = make_appeal(run_hooks=True)
    assert Appeal.objects.get(pk=appeal.pk).title == "小区电梯长期故障无人维修"  # the hook's own change is undone
    assert [a.pk for a in heard] == [appeal.pk]
    assert "broken" in caplog.text and "appeal.received" in caplog.text


def test_every_event_is_published_and_a_subscriber_hears_only_its_own_case_type(
        org, make_appeal, django_capture_on_commit_callbacks):
    appeal_events, all_events = [], []
    with hooks.subscribed(events.RECORDED, appeal_events.append, sender=AppealEvent), \
            hooks.subscribed(events.RECORDED, all_events.append), \
            django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
        services.dispatch(appeal, org.dispatcher, org.housing)
        hooks.publish(events.RECORDED, IncidentEvent(kind="created"))
    assert [e.kind for e in appeal_events] == ["received", "dispatched"]
    assert [e.kind for e in all_events] == ["received", "dispatched", "created"]


def test_muted_topics_are_silent_within_the_block_and_subscribed_again_after(org):
    heard = []
    with hooks.subscribed("test.muted", heard.append):
        with hooks.muted():
            hooks.publish("test.muted", "silent", on_commit=False)
            assert hooks.subscribers("test.muted") == []
        hooks.publish("test.muted", "heard", on_commit=False)
    assert heard == ["heard"]


def test_the_apps_subscribe_in_ready():
    from gongzhi.api.webhooks import on_event as webhook
    from gongzhi.evaluation.services import on_event as rollup
    from gongzhi.triage.services import on_intake, score_reply

    assert on_intake in hooks.subscribers(services.RECEIVED)
    assert score_reply in hooks.subscribers(services.REPLIED)
    assert {webhook, rollup} <= set(hooks.subscribers(events.RECORDED))


def test_a_subscriber_turned_down_by_its_when_test_costs_not_even_a_transaction(django_capture_on_commit_callbacks):
    heard = []
    with hooks.subscribed("test.topic", heard.append, when=lambda value: value.startswith("yes")):
        with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
            hooks.publish("test.topic", "no thanks")
            hooks.publish("test.topic", "yes please")
        assert len(callbacks) == 1  # the refused one was never scheduled
        for callback in callbacks:
            callback()
    assert heard == ["yes please"]


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_without_a_transaction_of_its_own_runs_bare_after_the_commit_and_safe_inside_one():
    """atomic=False (one statement, or its own transaction): after the publisher's commit it runs
    with no atomic block around it (no BEGIN and COMMIT for one statement); published inside an
    open transaction it still gets a savepoint, and its failing statement leaves that transaction usable."""
    from django.db import connection

    seen = []

    def plain(value):
        seen.append((value, connection.in_atomic_block))
        if value == "fails":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")

    with hooks.subscribed("test.plain", plain, atomic=False), hooks.subscribed("test.wrapped", seen.append):
        with transaction.atomic():
            hooks.publish("test.plain", "after the commit")
            hooks.publish("test.wrapped", "wrapped")
        assert seen == [("after the commit", False), "wrapped"]
        with transaction.atomic():
            hooks.publish("test.plain", "fails", on_commit=False)
            assert seen[-1] == ("fails", True)  # inside the publisher's transaction: in a savepoint
            assert Appeal.objects.count() == 0  # the publisher's transaction goes on
