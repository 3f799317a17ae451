"""The grid app's menu pages (gongzhi.core.nav). Residents are need-to-know: their pages are for grid
workers (and community staff, who hold the grid worker role in a community) only."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav
from gongzhi.core.models import Role


def may_assign_workers(user) -> bool:
    from .services import may_assign_workers as allowed  # services import the appeals app: not at start-up

    return allowed(user)


may_work = nav.any_role(Role.GRID_WORKER)
OVERVIEW_ROLES = (Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
TASK_ROLES = (Role.GRID_WORKER, Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)

FIELD = nav.page("grid:field_home", _("网格工作台"), may_work, order=34)
FIELD_REPORT = nav.page("grid:field_report", _("问题上报"), may_work, menus=())
FIELD_VISIT = nav.page("grid:field_visit", _("入户走访"), may_work, menus=())
FIELD_CHECKIN = nav.page("grid:field_checkin", _("巡查打卡"), may_work, menus=())
COMMUNITIES = nav.page("grid:community_list", _("网格与社区"), nav.any_role(*OVERVIEW_ROLES), order=36)
RESIDENTS = nav.page("grid:resident_list", _("实有人口"), may_work, order=37)
TASKS = nav.page("grid:task_list", _("社区任务"), nav.any_role(*TASK_ROLES), order=38)
NEW_TASK = nav.page("grid:task_new", _("向社区派发任务"), nav.any_role(Role.HANDLER), menus=())
CATALOGUE = nav.page("grid:catalogue", _("社区协助办理事项清单"), nav.any_role(*TASK_ROLES), menus=())
ORG_ROLES = (Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
ORGANISATIONS = nav.page("grid:organisation_list", _("社区组织"), nav.any_role(*ORG_ROLES), order=39)
VOLUNTEERS = nav.page("grid:volunteer_list", _("志愿者"), nav.any_role(*ORG_ROLES), menus=())
WORKERS = nav.page("grid:worker_assignments", _("网格员分配"), may_assign_workers, order=35)
