"""The disputes' and petitions' menu pages (gongzhi.core.nav). Who may open a page is declared here;
which rows they see is each model's scope_q (a page open to a role shows only its cases)."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav
from gongzhi.core.models import Role

# Those who work on disputes: they see the ones in their scope (Dispute.scope_q).
DISPUTE_ROLES = (Role.MEDIATOR, Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER, Role.PETITION_OFFICER, Role.ADMIN)
REPORT_ROLES = (Role.MEDIATOR, Role.GRID_WORKER, Role.SUPERVISOR, Role.PETITION_OFFICER, Role.OPERATOR,
                Role.DISPATCHER, Role.ADMIN)
PETITION_ROLES = (Role.PETITION_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)

may_report = nav.any_role(*REPORT_ROLES)

DISPUTES = nav.page("disputes:dispute_list", _("矛盾纠纷"), nav.any_role(*DISPUTE_ROLES), order=60)
REPORT = nav.page("disputes:dispute_new", _("登记纠纷"), may_report, menus=())
PETITIONS = nav.page("disputes:petition_list", _("信访"), nav.any_role(*PETITION_ROLES), order=61)
# The map of both (counts per grid and community, no personal data): whoever works on disputes;
# the petitions' layer only for whom may open the petitions.
MAP = nav.page("disputes:map", _("纠纷与信访地图"), nav.any_role(*DISPUTE_ROLES), menus=())

SCREENING_ROLES = (Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER, Role.MEDIATOR, Role.ADMIN)
may_launch = nav.any_role(Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
SCREENING = nav.page("disputes:campaign_list", _("排查"), nav.any_role(*SCREENING_ROLES), order=59)
LAUNCH = nav.page("disputes:campaign_new", _("发起排查"), may_launch, menus=())
