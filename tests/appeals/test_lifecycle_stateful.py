"""No sequence of actions breaks an appeal (hypothesis stateful testing over the real services).

Hypothesis plays dispatchers, handlers, supervisors, operators and citizens acting in any order on
one appeal, refusals included, and after every step checks what a supervisor relies on:
* one current state, and the history agrees with it: the status-changing events chain (each one's
  from-status is the previous one's to-status) and the last one's to-status is the appeal's status;
* a refused action changes nothing: neither the status, nor the history, nor the deadline;
* the deadline is never earlier than at the step before (a reopening or an approved extension moves
  it later, a return or a new dispatch never shortens it), and an open handled appeal has one;
* at most one lead assignment is being worked on.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from gongzhi.appeals import services
from gongzhi.appeals.models import OPEN_STATUSES, Assignment, ExtensionRequest, Status
from gongzhi.core import hooks
from gongzhi.core.errors import ActionRefused, FieldErrors

REFUSED = (ActionRefused, FieldErrors)


def machine_for(org, make_appeal):
    departments = [org.housing, org.env]
    handlers = {org.housing.pk: org.handler_housing, org.env.pk: org.handler_env}

    class AppealLifecycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.appeal = make_appeal()
            self.due_at = self.appeal.due_at
            self.refusals = 0

        # -- helpers
        def fresh(self):
            self.appeal.refresh_from_db()
            return self.appeal

        def snapshot(self):
            a = self.fresh()
            return a.status, a.due_at, a.events.count()

        def attempt(self, action, *args, **kwargs):
            before = self.snapshot()
            try:
                action(*args, **kwargs)
            except REFUSED:
                self.refusals += 1
                assert self.snapshot() == before, f"a refused {action.__name__} changed the appeal"

        def assignment(self, department):
            return (Assignment.objects.filter(appeal=self.appeal, department=department)
                    .order_by("-id").first())

        # -- the actions people take
        @rule(lead=st.sampled_from(departments), assist=st.booleans())
        def dispatch(self, lead, assist):
            others = [d for d in departments if d.pk != lead.pk] if assist else []
            self.attempt(services.dispatch, self.fresh(), org.dispatcher, lead, others)

        @rule(department=st.sampled_from(departments))
        def acknowledge(self, department):
            assignment = self.assignment(department)
            if assignment is not None:
                self.attempt(services.acknowledge, assignment, handlers[department.pk])

        @rule(department=st.sampled_from(departments))
        def return_it(self, department):
            assignment = self.assignment(department)
            if assignment is not None:
                self.attempt(services.return_assignment, assignment, handlers[department.pk], "不属于本单位职责")

        @rule(department=st.sampled_from(departments))
        def note(self, department):
            self.attempt(services.add_note, self.fresh(), handlers[department.pk], "已现场查看")

        @rule(department=st.sampled_from(departments), resolved=st.booleans())
        def reply(self, department, resolved):
            self.attempt(services.reply, self.fresh(), handlers[department.pk], "已修复，请查收。", resolved=resolved)

        @rule(satisfaction=st.sampled_from(["satisfied", "basic", "dissatisfied", "no-such-rating"]))
        def rate(self, satisfaction):
            self.attempt(services.follow_up, self.fresh(), satisfaction, actor=org.operator)

        @rule()
        def close(self):
            self.attempt(services.close, self.fresh(), org.supervisor, "已办结")

        @rule()
        def reopen(self):
            self.attempt(services.reopen, self.fresh(), org.supervisor, "群众反映未解决")

        @rule()
        def urge(self):
            self.attempt(services.urge, self.fresh(), org.supervisor, "请尽快办理")

        @rule()
        def supervise(self):
            self.attempt(services.supervise, self.fresh(), org.supervisor, "列入督办")

        @rule(department=st.sampled_from(departments), days=st.integers(min_value=-1, max_value=40))
        def ask_for_time(self, department, days):
            self.attempt(services.request_extension, self.fresh(), handlers[department.pk], days, "需协调多个部门")

        @rule(approve=st.booleans())
        def decide(self, approve):
            pending = ExtensionRequest.objects.filter(appeal=self.appeal, state=ExtensionRequest.State.PENDING).first()
            if pending is not None:
                self.attempt(services.decide_extension, pending, org.supervisor, approve)

        @rule()
        def handler_of_another_department_acts(self):
            """Someone outside the case: always refused, whatever the state."""
            self.attempt(services.close, self.fresh(), org.handler_env, "越权")
            self.attempt(services.dispatch, self.fresh(), org.handler_housing, org.housing)

        # -- what must always hold
        @invariant()
        def one_state_and_a_history_that_agrees(self):
            a = self.fresh()
            assert a.status in Status.values
            moves = list(a.events.exclude(to_status="").order_by("created_at", "id")
                         .values_list("from_status", "to_status", "kind"))
            previous = ""  # the intake event starts the history: "" -> received
            for from_status, to_status, kind in moves:
                assert from_status == previous, f"{kind}: from {from_status}, but the appeal was {previous}: {moves}"
                previous = to_status
            assert previous == a.status, f"the history ends at {previous}, the appeal is {a.status}: {moves}"

        @invariant()
        def deadlines_never_move_earlier(self):
            a = self.fresh()
            if self.due_at is not None and a.due_at is not None:
                assert a.due_at >= self.due_at, f"deadline moved earlier: {self.due_at} -> {a.due_at}"
            if a.status in (Status.DISPATCHED, Status.HANDLING):
                assert a.due_at is not None
            self.due_at = a.due_at or self.due_at

        @invariant()
        def one_lead_at_work(self):
            a = self.fresh()
            working = a.assignments.filter(role=Assignment.Role.LEAD,
                                           state__in=[Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED])
            assert working.count() <= (1 if a.status in OPEN_STATUSES else 0) or a.status == Status.REPLIED

    return AppealLifecycle


# A short run in the suite; bench/fuzz_long.py (or GONGZHI_STATEFUL_EXAMPLES=200) runs it longer.
EXAMPLES = int(os.environ.get("GONGZHI_STATEFUL_EXAMPLES", "8"))


@pytest.mark.slow
def test_no_sequence_of_actions_breaks_an_appeal(org, make_appeal):
    with hooks.muted():
        run_state_machine_as_test(machine_for(org, make_appeal), settings=settings(
            max_examples=EXAMPLES, stateful_step_count=12, deadline=None, derandomize=EXAMPLES <= 8,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
