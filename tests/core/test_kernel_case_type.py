"""A new case type needs a model, its transition table and its deadline policy, and nothing copied:
the minimal one of docs/architecture.md (tests/core/kernel_example.py) is driven here through the
kernel: its history (record_event), its lifecycle (require, perform, allowed), the generic deadline
sweep with its escalation, and the audited reveal of its protected field."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core import hooks
from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import RECORDED
from gongzhi.core.models import AuditEntry, Notification, Role, RoleAssignment, User
from gongzhi.core.reveal import reveal

from . import kernel_example as example
from .kernel_example import LIFECYCLE, Dispute, DisputeEvent

DOCS = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_the_documented_example_is_the_one_tested():
    source = Path(example.__file__).read_text(encoding="utf-8")
    tested = source.split("# --- example start\n", 1)[1].split("# --- example end\n", 1)[0]
    tested = "".join(line for line in tested.splitlines(keepends=True) if not line.rstrip().endswith("# test only"))
    tested = re.sub(r"\n    class Meta(\(CaseEvent\.Meta\))?:\n(?=\n)", "", tested)  # a Meta left empty goes
    documented = DOCS.read_text(encoding="utf-8").split("## Adding a case type", 1)[1]
    block = re.search(r"```python\n(.*?)```", documented, re.S).group(1)
    assert block == tested


@pytest.fixture
def disputes(transactional_db):
    """The example's tables (its models are in no installed app, so no migration makes them)."""
    with connection.schema_editor() as editor:
        editor.create_model(Dispute)
        editor.create_model(DisputeEvent)
    yield
    with connection.schema_editor() as editor:
        editor.delete_model(DisputeEvent)
        editor.delete_model(Dispute)


@pytest.fixture
def mediator(org):
    user = User.objects.create_user(username="mediator_kernel", password="Passw0rd!x", display_name="调解员甲")
    RoleAssignment.objects.create(user=user, role=Role.MEDIATOR, region=org.east)
    return user


def at(day, hour=10):
    return timezone.make_aware(dt.datetime(2025, 6, day, hour))


def test_a_dispute_lives_through_the_kernel(org, disputes, mediator):
    heard = []
    dispute = Dispute.objects.create(title="楼上漏水邻里纠纷", party_phone="13812345678", region=org.east_c)
    with hooks.subscribed(RECORDED, heard.append, sender=DisputeEvent):
        dispute = example.accept(dispute, mediator, due_at=at(20))
    assert dispute.status == "mediating" and dispute.due_at == at(20)
    event = dispute.events.get()
    assert (event.kind, event.actor, event.from_status, event.to_status, event.note) == (
        "accept", mediator, "reported", "mediating", "已受理")
    assert heard == [event]  # published on event.recorded, after the commit

    # The lifecycle refuses the wrong state and the wrong role, and changes nothing.
    with pytest.raises(ActionRefused) as refused:
        example.accept(dispute, mediator, due_at=at(25))
    assert "不能受理" in str(refused.value)
    with pytest.raises(ActionRefused):
        LIFECYCLE.perform(dispute, "settle", org.handler_housing)
    assert (Dispute.objects.get().status, dispute.events.count()) == ("mediating", 1)
    assert LIFECYCLE.allowed(dispute, mediator) == ["settle", "close"]
    assert LIFECYCLE.allowed(dispute, org.supervisor) == ["close"]

    # The generic sweep marks it, and escalates it once when it is late.
    assert example.sweep_deadlines(at(19, 12))["due_soon"] == 1
    assert Dispute.objects.get().due_state == DueState.DUE_SOON
    assert example.sweep_deadlines(at(20, 11))["newly_overdue"] == 1
    assert example.sweep_deadlines(at(21))["newly_overdue"] == 0
    dispute.refresh_from_db()
    assert dispute.due_state == DueState.OVERDUE
    assert list(dispute.events.values_list("kind", flat=True)) == ["accept", "overdue"]
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"supervisor", "east_supervisor"}

    # The protected field is shown in full only to whom may_reveal, and every reveal is audited.
    assert reveal(dispute, mediator, "party_phone") == "13812345678"
    entry = AuditEntry.objects.get(action="reveal_personal_data")
    assert (entry.actor, entry.target_type, entry.detail) == (mediator, "kernel_example.dispute",
                                                               {"field": "party_phone"})
    with pytest.raises(ActionRefused):
        reveal(dispute, org.operator, "party_phone")
    with pytest.raises(FieldErrors):
        reveal(dispute, mediator, "title")
    assert AuditEntry.objects.filter(action="reveal_personal_data").count() == 1

    settled = LIFECYCLE.perform(dispute, "settle", mediator, note="双方达成协议")
    assert settled.status == "settled" and settled.events.last().note == "双方达成协议"
    assert example.sweep_deadlines(at(22))["overdue"] == 0  # no longer in mediation: its clock stopped
