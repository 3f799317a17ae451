"""The declared lifecycle of an incident (core.lifecycle): services require, the board offers what
`allowed` returns, and the transition tests walk the table."""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Role

from .models import Incident

S = Incident.Status
COMMAND = (Role.EMERGENCY, Role.LEADER)
OPEN = (S.REPORTED, S.RESPONDING)

INCIDENT_LIFECYCLE = Lifecycle([
    Transition("activate", OPEN, COMMAND, S.RESPONDING, label=_("启动预案")),
    Transition("set_level", OPEN, COMMAND, None, label=_("调整响应级别")),
    Transition("statement", OPEN + (S.CLOSED,), COMMAND, None, label=_("登记发布")),
    Transition("warn", OPEN, COMMAND, None, label=_("发布预警")),
    Transition("deploy", OPEN, COMMAND, None, label=_("调派队伍")),
    Transition("request_supplies", OPEN, COMMAND, None, label=_("调拨物资")),
    Transition("close", OPEN, COMMAND, S.CLOSED, label=_("结束响应")),
], state_refusal=lambda incident, t: gettext("事件当前为“%(state)s”，不能%(action)s") % {
    "state": incident.get_status_display(), "action": t.label})
