"""A new installation's coverage view means something before anyone adds plan types: the migrations
seed the built-in types (the four categories of 突发事件) and the rules of which unit must hold which."""
from __future__ import annotations

import pytest

from tests import migrating


@pytest.mark.django_db(transaction=True)
def test_migrating_a_new_database_seeds_the_built_in_plan_types_and_rules():
    latest = migrating.latest("emergency")
    before = migrating.migrate([("emergency", "0001_initial")])
    try:
        before.get_model("emergency", "CoverageRule").objects.all().delete()
        before.get_model("emergency", "PlanType").objects.all().delete()
    finally:
        migrating.migrate(latest)

    from gongzhi.emergency.kinds import PLAN_TYPES, RULES
    from gongzhi.emergency.models import CoverageRule, PlanType

    assert set(PlanType.objects.values_list("code", flat=True)) == {code for code, _c, _n in PLAN_TYPES}
    assert set(CoverageRule.objects.values_list("unit_kind", "plan_type__code")) == {
        (kind, code) for kind, codes in RULES.items() for code in codes}
    assert "fire" in set(CoverageRule.objects.filter(unit_kind="school").values_list("plan_type__code", flat=True))
