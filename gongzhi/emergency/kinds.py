"""The built-in plan types (by the four categories of 突发事件 and their sub-types) and the rules of
which kind of unit must hold which; `ensure_defaults()` writes the ones missing. Names are marked
for translation: a built-in type reads in the reader's language (PlanType.__str__)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as N_

PLAN_TYPES = [
    # (code, category, name)
    ("flood", "natural", N_("防汛防台")),
    ("geohazard", "natural", N_("地质灾害")),
    ("fire", "accident", N_("火灾事故")),
    ("hazmat", "accident", N_("危险化学品事故")),
    ("gas", "accident", N_("燃气事故")),
    ("epidemic", "health", N_("传染病疫情")),
    ("food", "health", N_("食品安全事故")),
    ("crowd", "security", N_("大型活动与人群聚集")),
    ("group", "security", N_("群体性事件")),
]

RULES = {
    "department": ["flood", "fire"],
    "community": ["flood", "fire", "gas", "group"],
    "school": ["fire", "epidemic", "food"],
    "enterprise": ["fire", "hazmat"],
    "venue": ["fire", "crowd"],
}


def ensure_defaults(plan_type_model=None, rule_model=None) -> int:
    """The built-in plan types and coverage rules (an administrator may add more in the admin).
    The data migration passes its historical models; the demo and tests call it with none."""
    if plan_type_model is None or rule_model is None:
        from .models import CoverageRule, PlanType

        plan_type_model, rule_model = PlanType, CoverageRule
    made = 0
    for code, category, name in PLAN_TYPES:
        _t, created = plan_type_model.objects.get_or_create(code=code, defaults={"category": category, "name": name})
        made += created
    types = {t.code: t for t in plan_type_model.objects.all()}
    for kind, codes in RULES.items():
        for code in codes:
            rule_model.objects.get_or_create(unit_kind=kind, plan_type=types[code])
    return made
