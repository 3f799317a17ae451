"""Participation's menu pages (gongzhi.core.nav): the public ones for everyone, the staff ones for
the roles that work on proposals, moderation and consultations."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav
from gongzhi.core.models import Role

from .lifecycle import APPEAL_JUDGES, ASSIGNERS, MODERATORS
from .models import OVERSIGHT_ROLES

PROPOSALS = nav.page("participation:proposal_list", _("金点子"), menus=nav.PUBLIC, order=40, login=False)
CONSULTATIONS = nav.page("participation:consultation_list", _("征求意见"), menus=nav.PUBLIC, order=41, login=False)
SURVEYS = nav.page("participation:survey_list", _("问卷调查"), menus=nav.PUBLIC, order=42, login=False)

STAFF_ROLES = (*OVERSIGHT_ROLES, *ASSIGNERS, Role.HANDLER)
may_moderate = nav.any_role(*MODERATORS, *APPEAL_JUDGES, Role.ADMIN)
STAFF_PROPOSALS = nav.page("participation:staff_proposals", _("金点子答复"), nav.any_role(*STAFF_ROLES), order=70)
MODERATION = nav.page("participation:moderation", _("内容审核"), may_moderate, order=71)
STAFF_CONSULTATIONS = nav.page("participation:staff_consultations", _("征求意见与问卷"),
                               nav.any_role(Role.HANDLER, Role.ADMIN), order=72)
