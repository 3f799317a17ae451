"""Fixtures of the disputes app: the seeded kinds, a mediator and a petition officer in the east."""
from __future__ import annotations

import pytest

from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.disputes import services
from gongzhi.disputes.kinds import ensure_default_kinds
from gongzhi.disputes.models import DisputeKind


def person(username: str, role: str, **scope) -> User:
    user = User.objects.create_user(username=username, password="Passw0rd!x", display_name=username)
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def kinds(db):
    ensure_default_kinds(DisputeKind)  # a transactional test before may have flushed the seeded ones
    return {k.code: k for k in DisputeKind.objects.all()}


@pytest.fixture
def east_mediator(org):
    return person("east_mediator", Role.MEDIATOR, region=org.east)


@pytest.fixture
def officer(org):
    return person("petition_officer", Role.PETITION_OFFICER, region=org.district)


PARTIES = [
    {"name": "王建国", "phone": "13911112222", "id_number": "110101198001011234", "address": "东湖社区3栋201"},
    {"name": "李秀英", "phone": "13933334444", "side": "respondent", "address": "东湖社区3栋301"},
]


@pytest.fixture
def report(org, kinds):
    """Report a neighbours' dispute in the east grid, as its grid worker would."""
    def make(**overrides):
        data = dict(actor=org.grid_worker, title="楼上漏水邻里纠纷", facts="3栋301卫生间漏水至201，双方多次争执。",
                    kind=kinds["neighbour"], region=None, grid=org.east_g, place="东湖社区3栋",
                    parties=PARTIES, source="screening")
        data.update(overrides)
        return services.report(**data)
    return make
