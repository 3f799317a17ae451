"""The emergency pages (gongzhi.core.nav): who may open them is declared here; which rows they
see is each model's scope_q."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav
from gongzhi.core.models import Role

COMMAND_ROLES = (Role.EMERGENCY, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
BOARD_ROLES = COMMAND_ROLES + (Role.HANDLER, Role.GRID_WORKER)
REPORT_ROLES = COMMAND_ROLES + (Role.GRID_WORKER,)

INCIDENTS = nav.page("emergency:incident_list", _("应急指挥"), nav.any_role(*BOARD_ROLES),
                     menus=(nav.STAFF, "emergency"), order=65)
REPORT = nav.page("emergency:incident_new", _("报告突发事件"), nav.any_role(*REPORT_ROLES), menus=())
COVERAGE = nav.page("emergency:coverage", _("预案覆盖"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
RESOURCES = nav.page("emergency:resources", _("物资与队伍"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
SENSORS = nav.page("emergency:devices", _("物联设备"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
UNITS = nav.page("emergency:units", _("应急单位"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
TEAMS = nav.page("emergency:teams", _("队伍与值班"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
WAREHOUSES = nav.page("emergency:warehouses", _("仓库与库存"), nav.any_role(*COMMAND_ROLES), menus=("emergency",))
SUPPLY_REQUESTS = nav.page("emergency:supply_requests", _("物资申请"), nav.any_role(*COMMAND_ROLES),
                           menus=("emergency",))
