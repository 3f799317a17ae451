"""{% menu "evaluation" as entries %}: the entries of a menu the reader may open (gongzhi.core.nav);
{% menu as entries %} is the top bar (staff or public, by who reads)."""
from django import template

from gongzhi.core import nav

register = template.Library()


@register.simple_tag(takes_context=True)
def menu(context, name: str = ""):
    request = context.get("request")
    user = getattr(request, "user", None)
    return nav.menu(user, name or nav.top_menu_name(user))
