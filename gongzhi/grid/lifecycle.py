"""The declared lifecycle of a community task (core.lifecycle): the community finishes it, the
department that gave it may withdraw it while it is open."""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Role

from .models import CommunityTask

T = CommunityTask.Status

TASK_LIFECYCLE = Lifecycle([
    Transition("complete", (T.ASSIGNED,), (Role.GRID_WORKER,), T.DONE, label=_("办结")),
    Transition("cancel", (T.ASSIGNED,), (Role.HANDLER,), T.CANCELLED, label=_("撤回")),
], state_refusal=lambda task, t: gettext("任务当前为“%(state)s”，不能%(action)s") % {
    "state": task.get_status_display(), "action": t.label})
