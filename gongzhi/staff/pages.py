"""The staff workbench's menu pages, each with who may open it (gongzhi.core.nav)."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav
from gongzhi.core.models import Role

INBOX = nav.page("staff:inbox", _("工作台"), nav.staff_member, order=10)
APPEAL_LIST = nav.page("staff:appeal_list", _("诉求查询"), nav.staff_member, order=20)
DESK = nav.page("staff:desk", _("电话受理"), nav.any_role(Role.OPERATOR, Role.ADMIN), order=30)
GRID_REPORT = nav.page("staff:grid_report", _("网格上报"), nav.any_role(Role.GRID_WORKER, Role.ADMIN), order=35)
BOARD = nav.page("staff:board", _("督办看板"), nav.any_role(Role.SUPERVISOR, Role.LEADER, Role.ADMIN), order=40)
# 知识库: operators read it on the desk; supervisors and administrators keep it (appeals.knowledge).
KNOWLEDGE = nav.page("staff:knowledge_list", _("知识库"), nav.any_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN),
                     order=32)
# 公开审核: the centre's dispatchers and supervisors moderate what the open data publishes.
PUBLICATION = nav.page("staff:publication_queue", _("公开审核"), nav.any_role(Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN),
                       order=45)
