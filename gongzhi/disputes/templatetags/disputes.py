"""`{% appeal_disputes appeal %}`: on an appeal's page, the disputes it became (the link kept both
ways), for whom may report one the action that turns it into a dispute, and, for the roles that
arrange care, the care referral form (情绪疏导, disputes.care: the distress the text shows, the
appeal's referrals, the form)."""
from django import template

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

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
    """A stored risk reason in the reader's language (core.reasons); quoted words stay as typed."""
    from gongzhi.core.reasons import translate

    return translate(reason)


@register.filter
def event_label(event) -> str:
    """What a dispute's or petition's history event was, in the reader's language: the lifecycle's
    label of an action, or the name of an event the platform records itself."""
    from django.utils.translation import gettext

    from gongzhi.disputes.lifecycle import DISPUTE_LIFECYCLE, PETITION_LIFECYCLE

    lifecycle = PETITION_LIFECYCLE if event._meta.model_name == "petitionevent" else DISPUTE_LIFECYCLE
    kind = event.kind
    try:
        return str(lifecycle[kind].label)
    except KeyError:
        pass
    return gettext(OWN_EVENTS[kind]) if kind in OWN_EVENTS else kind


OWN_EVENTS = {"reported": N_("登记"), "registered": N_("登记"), "overdue": N_("超期"), "reopened": N_("重新调解"),
              "care_referral": N_("转介心理疏导"), "reception_listed": N_("列入接访"), "reception_outcome": N_("接访结果")}
