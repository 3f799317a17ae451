"""The declared lifecycles of disputes and petitions (core.lifecycle): services require, pages offer
what `allowed` returns, and the transition tests walk the tables."""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Role

from .models import Dispute
from .petition_models import Petition

D = Dispute.Status
MEDIATION_ROLES = (Role.MEDIATOR,)
OVERSIGHT = (Role.SUPERVISOR, Role.LEADER)
RISK_ROLES = (Role.MEDIATOR, Role.SUPERVISOR, Role.LEADER)
OPEN_DISPUTE = (D.REPORTED, D.MEDIATING, D.AGREED, D.FAILED, D.REFERRED)

DISPUTE_LIFECYCLE = Lifecycle([
    Transition("assign", (D.REPORTED, D.MEDIATING), OVERSIGHT, None, label=_("指派调解")),
    Transition("accept", (D.REPORTED,), MEDIATION_ROLES, D.MEDIATING, label=_("受理调解")),
    Transition("session", (D.MEDIATING,), MEDIATION_ROLES, None, label=_("记录调解")),
    Transition("settle", (D.MEDIATING,), MEDIATION_ROLES, D.AGREED, label=_("调解成功")),
    Transition("fail", (D.MEDIATING,), MEDIATION_ROLES, D.FAILED, label=_("调解不成")),
    Transition("upload_signed", (D.AGREED, D.CLOSED), MEDIATION_ROLES, None, label=_("上传签字协议")),
    Transition("follow_up", (D.AGREED,), MEDIATION_ROLES, (None, D.MEDIATING), label=_("回访")),
    Transition("refer", (D.FAILED,), MEDIATION_ROLES + OVERSIGHT, D.REFERRED, label=_("移交")),
    Transition("referral_result", (D.REFERRED,), MEDIATION_ROLES + OVERSIGHT, D.CLOSED, label=_("登记移交结果")),
    Transition("close", (D.AGREED, D.FAILED), MEDIATION_ROLES + OVERSIGHT, D.CLOSED, label=_("结案")),
    Transition("override_risk", OPEN_DISPUTE, RISK_ROLES, None, label=_("调整风险等级")),
], state_refusal=lambda dispute, t: gettext("纠纷当前为“%(state)s”，不能%(action)s") % {
    "state": dispute.get_status_display(), "action": t.label})

P = Petition.Status
PETITION_OFFICERS = (Role.PETITION_OFFICER,)

PETITION_LIFECYCLE = Lifecycle([
    Transition("accept", (P.RECEIVED,), PETITION_OFFICERS, P.ACCEPTED, label=_("受理")),
    Transition("decline", (P.RECEIVED,), PETITION_OFFICERS, P.NOT_ACCEPTED, label=_("不予受理")),
    Transition("extend", (P.ACCEPTED,), PETITION_OFFICERS, None, label=_("延长办理期限"),
               guard=lambda petition: petition.extension_days == 0,
               refusal=_("办理期限只能延长一次，本件已延长过")),
    Transition("answer", (P.ACCEPTED,), PETITION_OFFICERS, P.ANSWERED, label=_("出具处理意见")),
    Transition("request_review", (P.ANSWERED,), PETITION_OFFICERS, P.REVIEW_REQUESTED, label=_("登记复查请求")),
    Transition("review", (P.REVIEW_REQUESTED,), PETITION_OFFICERS, P.REVIEWED, label=_("出具复查意见")),
    Transition("request_reexam", (P.REVIEWED,), PETITION_OFFICERS, P.REEXAM_REQUESTED, label=_("登记复核请求")),
    Transition("reexamine", (P.REEXAM_REQUESTED,), PETITION_OFFICERS, P.CONCLUDED, label=_("出具复核意见")),
    Transition("link", tuple(P.values), PETITION_OFFICERS, None, label=_("关联案件")),
], state_refusal=lambda petition, t: gettext("信访件当前为“%(state)s”，不能%(action)s") % {
    "state": petition.get_status_display(), "action": t.label})
