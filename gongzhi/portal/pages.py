"""The public pages' menu entries (gongzhi.core.nav)."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav

SUBMIT = nav.page("portal:submit", _("我要反映"), menus=nav.PUBLIC, order=10, login=False)
TRACK = nav.page("portal:track", _("办理查询"), menus=nav.PUBLIC, order=20, login=False)
MY_APPEALS = nav.page("portal:my_appeals", _("我的诉求"), nav.signed_in, menus=nav.PUBLIC, order=30)
