"""The evaluation app's menu pages, each with who may open it (gongzhi.core.nav): the top bar and
the section's own menu ("evaluation") come from these declarations, and the views are guarded by them."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav, scoping
from gongzhi.core.models import Role

SECTION = "evaluation"


def has_own_department(user) -> bool:
    """Works in (or leads, or supervises) a department: its board is theirs to see."""
    return bool(scoping.department_ids(user, Role.HANDLER, Role.LEADER, Role.SUPERVISOR))


LEADER = nav.page("evaluation:leader", _("领导驾驶舱"), scoping.oversees, menus=(nav.STAFF, SECTION), order=50)
RANKINGS = nav.page("evaluation:rankings", _("考评排名"), scoping.oversees, menus=(nav.STAFF, SECTION), order=55)
MY_DEPARTMENT = nav.page("evaluation:my_department", _("部门看板"), has_own_department,
                         menus=(nav.STAFF, SECTION), order=60)
FOLLOW_UP = nav.page("evaluation:follow_up", _("回访"),
                     nav.any_role(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN),
                     menus=(nav.STAFF, SECTION), order=65)
EXCLUSIONS = nav.page("evaluation:exclusions", _("考评剔除"), nav.any_role(Role.SUPERVISOR, Role.ADMIN, Role.LEADER),
                      menus=(SECTION,), order=70)
PUBLIC = nav.page("evaluation:public", _("公开统计"), menus=(nav.PUBLIC, SECTION), order=80, login=False)
OPENDATA = nav.page("evaluation:opendata", _("开放数据"), menus=(nav.PUBLIC, SECTION), order=85, login=False)
