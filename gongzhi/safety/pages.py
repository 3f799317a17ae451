"""Public-safety menu pages (gongzhi.core.nav): the top bar's entries and the section's own menu
("safety"); refused readers get 403, as on every safety page."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from gongzhi.core import nav

from . import services

SECTION = "safety"


def reads_or_handles(user) -> bool:
    return services.can_read(user) or services.is_informant_handler(user)


def _page(url_name, label, allowed, order, menus=(SECTION,), **kw):
    return nav.page(url_name, label, allowed, menus=menus, order=order, refusal=PermissionDenied, **kw)


HOME = _page("safety:home", _("治安研判"), services.can_read, 90, menus=(nav.STAFF, SECTION),
             labels={SECTION: _("概览")})
INCIDENTS = _page("safety:incident_list", _("警情"), services.can_read, 91)
BULLETINS = _page("safety:bulletin_list", _("日通报"), services.can_read, 92)
PATTERNS = _page("safety:patterns", _("发案规律"), services.can_read, 93)
NEAR_REPEAT = _page("safety:near_repeat", _("近重复预警"), services.can_read, 94)
FORECAST = _page("safety:forecast", _("热点预测与巡逻"), services.can_read, 95)
LEADS = _page("safety:leads", _("线索"), reads_or_handles, 96)
INFORMANTS = _page("safety:informants", _("信息员"), services.is_informant_handler, 99, menus=(nav.STAFF, SECTION))
