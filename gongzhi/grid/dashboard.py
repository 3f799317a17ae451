"""The communities' load on the evaluation dashboards (core.dashboards): community tasks given over
the last three months per community, the hours the communities spent on them and the department
that gave most, heaviest first, so leaders see who pushes work down (社区减负). Over the reader's
scope (CommunityTask.restrict); registered in AppConfig.ready(), drawn by evaluation without imports."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.models import Role

from . import stats
from .models import CommunityTask


def load_panel(user) -> dict | None:
    if not scoping.has_role(user, Role.LEADER, Role.SUPERVISOR, Role.ADMIN):
        return None
    since = stats.months_back(3)
    rows = stats.load_per_community(CommunityTask.objects.restrict(user), since)
    if not rows:
        return {"note": _("近三个月没有部门向社区派发任务。")}
    return {
        "note": _("近三个月各部门按社区协助办理事项清单派给社区的任务，及社区花费的时间。"),
        "figures": [{"label": _("任务数"), "value": sum(r["tasks"] for r in rows)},
                    {"label": _("用时（小时）"), "value": round(sum(r["hours"] for r in rows), 1)}],
        "tables": [{"caption": _("按社区"),
                    "headers": [_("社区"), _("任务数"), _("用时（小时）"), _("派发最多的部门")],
                    "rows": [[{"text": r["community"], "url": reverse("grid:community_detail", args=[r["community_id"]])},
                              r["tasks"], r["hours"], f"{r['top_department']}（{r['top_tasks']}）"] for r in rows]}],
    }


def register() -> None:
    from django.utils.translation import gettext_lazy

    from gongzhi.core import dashboards

    dashboards.register_panel("grid.load", gettext_lazy("社区负担（社区协助任务）"), load_panel, order=30)
