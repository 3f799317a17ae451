"""`{% appeal_incidents appeal %}`: on an appeal's page, the incidents it became, and for whom may
report an incident the action that turns an appeal that is an emergency into one."""
from django import template

from gongzhi.emergency import pages
from gongzhi.emergency.models import Category, Incident, Level

register = template.Library()


@register.inclusion_tag("emergency/_appeal_incidents.html", takes_context=True)
def appeal_incidents(context, appeal):
    user = context["request"].user
    linked = Incident.objects.restrict(user).filter(appeal=appeal).distinct()
    open_one = Incident.objects.filter(appeal=appeal).exclude(status=Incident.Status.CLOSED).exists()
    return {"appeal": appeal, "linked": linked, "may_convert": pages.REPORT.permits(user) and not open_one,
            "categories": Category.choices, "levels": Level.choices, "csrf_token": context.get("csrf_token")}
