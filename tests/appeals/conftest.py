"""Helpers for the appeal lifecycle specifications: bring an appeal into any state through the services."""
import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Assignment, Status

REPLY = "经核查，电梯主板损坏，已督促物业更换，现已恢复运行，感谢您的监督。"


@pytest.fixture
def in_state(org, make_appeal):
    """in_state(status) -> an appeal of org.housing's category, brought there by the services.
    With assisting=True, org.env assists and acknowledges as soon as it is dispatched."""

    def make(status: str, assisting: bool = False, **overrides):
        if status == Status.MERGED:
            target = make_appeal(**overrides)
            duplicate = make_appeal(**overrides)
            services.merge(duplicate, target, org.dispatcher)
            duplicate.refresh_from_db()
            return duplicate
        appeal = make_appeal(**overrides)
        if status == Status.RECEIVED:
            return appeal
        services.dispatch(appeal, org.dispatcher, org.housing, [org.env] if assisting else [])
        if assisting:
            services.acknowledge(appeal.assignments.get(role=Assignment.Role.ASSIST), org.handler_env)
        if status != Status.DISPATCHED:
            services.acknowledge(appeal.assignments.get(role=Assignment.Role.LEAD), org.handler_housing)
        if status in (Status.REPLIED, Status.CLOSED):
            services.reply(appeal, org.handler_housing, REPLY)
        if status == Status.CLOSED:
            services.follow_up(appeal, "satisfied")
        appeal.refresh_from_db()
        assert appeal.status == status
        return appeal

    return make
