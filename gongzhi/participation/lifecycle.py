"""The declared lifecycles of proposals and of moderation cases (core.lifecycle): services require,
pages offer what `allowed` returns, and the transition tests walk the tables."""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Role

from .models import Moderation, Proposal

P = Proposal.Status
ASSIGNERS = (Role.DISPATCHER, Role.SUPERVISOR)
ANSWERERS = (Role.HANDLER,)  # of the proposal's department: the service checks which

PROPOSAL_LIFECYCLE = Lifecycle([
    # The threshold reached without a default department: a dispatcher is to give it to one.
    Transition("qualify", (P.OPEN,), (), P.QUALIFIED, label=_("达到支持数")),
    Transition("assign", (P.OPEN, P.QUALIFIED, P.ASSIGNED), ASSIGNERS, P.ASSIGNED, label=_("交办")),
    Transition("answer", (P.ASSIGNED,), ANSWERERS, (P.ADOPTED, P.PARTLY, P.REJECTED), label=_("答复")),
    Transition("progress", (P.ADOPTED, P.PARTLY), ANSWERERS, None, label=_("报告进展")),
    Transition("complete", (P.ADOPTED, P.PARTLY), ANSWERERS, P.DONE, label=_("落实完成")),
    Transition("support", (P.OPEN, P.QUALIFIED, P.ASSIGNED), (), None, label=_("支持")),
], state_refusal=lambda proposal, t: gettext("建议当前为“%(state)s”，不能%(action)s") % {
    "state": proposal.get_status_display(), "action": t.label})

M = Moderation.Status
MODERATORS = (Role.OPERATOR,)
APPEAL_JUDGES = (Role.SUPERVISOR,)

MODERATION_LIFECYCLE = Lifecycle([
    Transition("approve", (M.PENDING, M.HIDDEN), MODERATORS, M.APPROVED, label=_("准予公开")),
    Transition("hide", (M.PENDING, M.APPROVED), MODERATORS, M.HIDDEN, label=_("隐藏")),
    Transition("appeal", (M.HIDDEN,), (), M.APPEALED, label=_("申诉")),
    Transition("overturn", (M.APPEALED,), APPEAL_JUDGES, M.APPROVED, label=_("申诉成立，恢复公开")),
    Transition("uphold", (M.APPEALED,), APPEAL_JUDGES, M.UPHELD, label=_("驳回申诉")),
], state_refusal=lambda moderation, t: gettext("审核当前为“%(state)s”，不能%(action)s") % {
    "state": moderation.get_status_display(), "action": t.label})
