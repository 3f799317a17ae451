"""Fixtures of participation: the seeded categories, citizens, and a proposal made public."""
from __future__ import annotations

import pytest

from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.participation import moderation, services
from gongzhi.participation.categories import ensure_default_categories
from gongzhi.participation.models import Moderation, ProposalCategory
from gongzhi.participation.verification import Voter


def citizen(username: str) -> User:
    user = User.objects.create_user(username=username, password="Passw0rd!x", display_name=username)
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN)
    return user


@pytest.fixture
def categories(db):
    ensure_default_categories(ProposalCategory)  # a transactional test before may have flushed them
    return {c.code: c for c in ProposalCategory.objects.all()}


@pytest.fixture
def citizens(org):
    return [org.citizen] + [citizen(f"resident{i}") for i in range(1, 4)]


@pytest.fixture
def propose(org, categories):
    """A citizen's proposal, approved by the operator (so it is public at once)."""
    def make(author=None, approve=True, **overrides):
        data = dict(title="在东湖公园增设儿童游乐设施", text="东湖公园没有儿童游乐区，周末孩子多，建议在南门草坪增设滑梯和秋千。",
                    category=categories["urban"], region=org.east_c, place="东湖公园南门")
        data.update(overrides)
        proposal = services.submit(Voter(user=author or org.citizen), **data)
        if approve:
            moderation.approve(moderation.case_of(Moderation.Item.PROPOSAL, proposal.pk), org.operator)
            proposal.refresh_from_db()
        return proposal
    return make
