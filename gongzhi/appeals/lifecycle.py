"""The appeal lifecycle, declared once (core.lifecycle): the services require it before they act,
the staff pages offer what it allows, and tests/appeals/test_transitions.py walks it.

Who works on an appeal is the assignment's business and stays in the services: acknowledging,
returning, noting, replying and asking for more time need an assignment of the actor's department
(the transitions without roles below); the table says from which states they are possible.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Role

from .models import OPEN_STATUSES, ExtensionRequest, Status

R, D, H, RP, C, M = Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED, Status.CLOSED, Status.MERGED
WORKING = (D, H)


def _pending_extension(appeal) -> bool:
    # Reads appeal.extension_requests.all() so that a page that prefetched them asks nothing more.
    return any(e.state == ExtensionRequest.State.PENDING for e in appeal.extension_requests.all())


def _state_refusal(appeal, transition: Transition) -> str:
    return _("诉求当前状态为“%(status)s”，不能%(action)s") % {
        "status": appeal.get_status_display(), "action": transition.label}


APPEAL_LIFECYCLE = Lifecycle([
    Transition("recategorize", (R,), (Role.DISPATCHER, Role.OPERATOR, Role.SUPERVISOR),
               label=pgettext_lazy("appeal action", "修改分类")),
    Transition("dispatch", (R,), (Role.DISPATCHER,), D, label=pgettext_lazy("appeal action", "派单")),
    Transition("merge", (R,), (Role.DISPATCHER, Role.OPERATOR), M, label=pgettext_lazy("appeal action", "并单")),
    # The lead department acknowledging starts the handling; an assisting one joins the work.
    Transition("acknowledge", (D,), (), H, label=pgettext_lazy("appeal action", "签收")),
    Transition("acknowledge_assist", WORKING, (), label=pgettext_lazy("appeal action", "签收")),
    # The lead returning sends the appeal back to the dispatcher; an assisting one leaves it with the lead.
    Transition("return", WORKING, (), R, label=pgettext_lazy("appeal action", "退单")),
    Transition("return_assist", WORKING, (), label=pgettext_lazy("appeal action", "退单")),
    Transition("note", WORKING, (), label=pgettext_lazy("appeal action", "填写办理情况")),
    Transition("extend", WORKING, (), label=pgettext_lazy("appeal action", "申请延期"),
               guard=lambda a: not _pending_extension(a), refusal=gettext_lazy("已有待审批的延期申请")),
    Transition("reply", (H,), (), RP, label=pgettext_lazy("appeal action", "答复")),
    # A rating closes, or (dissatisfied, below the limit of reopenings) sends it back to the lead.
    Transition("follow_up", (RP,), (Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER), (C, D),
               label=pgettext_lazy("appeal action", "评价")),
    Transition("close", (R, RP), (Role.SUPERVISOR, Role.OPERATOR, Role.DISPATCHER), C,
               label=pgettext_lazy("appeal action", "办结")),
    # 直接答复: the operator answers from the knowledge base at intake (services.answer_at_intake):
    # received, replied and closed as answered in one transaction.
    Transition("answer_at_intake", (R,), (Role.OPERATOR,), C, label=pgettext_lazy("appeal action", "直接答复")),
    Transition("reopen", (RP, C), (Role.SUPERVISOR,), (D, R), label=pgettext_lazy("appeal action", "重办")),
    Transition("urge", WORKING, (Role.SUPERVISOR, Role.LEADER), label=pgettext_lazy("appeal action", "催办")),
    Transition("supervise", tuple(OPEN_STATUSES), (Role.SUPERVISOR, Role.LEADER),
               label=pgettext_lazy("appeal action", "督办"),
               guard=lambda a: not a.supervised, refusal=gettext_lazy("该诉求已在督办中")),
    # 公开审核: whether the public may read it (gongzhi.core.publication), at any stage but merged;
    # a decision may be changed (withheld after all, or approved after a second look).
    Transition("review_publication", (R, D, H, RP, C), (Role.DISPATCHER, Role.SUPERVISOR),
               label=pgettext_lazy("appeal action", "公开审核")),
    # Only while the appeal is worked on: replying, closing or returning settles a pending request.
    Transition("decide_extension", WORKING, (Role.SUPERVISOR,), label=pgettext_lazy("appeal action", "审批延期"),
               guard=_pending_extension, refusal=gettext_lazy("该延期申请已处理")),
], state_refusal=_state_refusal)
