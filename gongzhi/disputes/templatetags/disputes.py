"""`{% appeal_disputes appeal %}`: on an appeal's page, the disputes it became (the link kept both
ways) and, for whom may report one, the action that turns it into a dispute."""
from django import template

from gongzhi.disputes import pages
from gongzhi.disputes.models import Dispute, DisputeKind

register = template.Library()


@register.inclusion_tag("disputes/_appeal_disputes.html", takes_context=True)
def appeal_disputes(context, appeal):
    user = context["request"].user
    return {"appeal": appeal, "linked": Dispute.objects.restrict(user).filter(appeal=appeal),
            "may_convert": pages.may_report(user) and not appeal.disputes.exists(),
            "kinds": DisputeKind.objects.filter(active=True), "csrf_token": context.get("csrf_token")}
