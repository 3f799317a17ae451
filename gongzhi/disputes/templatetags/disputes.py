"""`{% appeal_disputes appeal %}`: on an appeal's page, the disputes it became (the link kept both
ways), for whom may report one the action that turns it into a dispute, and, for the roles that
arrange care, the care referral form (情绪疏导, disputes.care: the distress the text shows, the
appeal's referrals, the form)."""
from django import template

from django.urls import reverse

from gongzhi.disputes import care, pages
from gongzhi.disputes.models import Dispute, DisputeKind

register = template.Library()


@register.inclusion_tag("disputes/_appeal_disputes.html", takes_context=True)
def appeal_disputes(context, appeal):
    user = context["request"].user
    petitions = appeal.petitions.restrict(user) if pages.PETITIONS.permits(user) else []
    return {"appeal": appeal, "linked": Dispute.objects.restrict(user).filter(appeal=appeal), "petitions": petitions,
            "may_convert": pages.may_report(user) and not appeal.disputes.exists(),
            "kinds": DisputeKind.objects.filter(active=True), "csrf_token": context.get("csrf_token"),
            **care.section(appeal, user, reverse("disputes:appeal_care", args=[appeal.pk]))}


@register.filter
def risk_reason(reason) -> str:
    """A stored risk reason in the reader's language (disputes.reasons); quoted words stay as typed."""
    from gongzhi.disputes.reasons import translate

    return translate(reason)
