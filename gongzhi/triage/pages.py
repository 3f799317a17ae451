"""Triage's menu pages (gongzhi.core.nav)."""
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav

HOT_BOARD = nav.page("triage:hot_board", _("热点预警"), nav.staff_member, order=75)
