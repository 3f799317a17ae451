from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(value):
    """0.8734 -> 87.3% ; None -> —"""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def days(value):
    if value is None:
        return "—"
    return f"{value:.2f}"


@register.filter
def signed_pct(value):
    """A change between two rates in percentage points."""
    if value is None:
        return ""
    points = value * 100
    arrow = "▲" if points > 0 else "▼" if points < 0 else "＝"
    return _("%(arrow)s%(points)s个百分点") % {"arrow": arrow, "points": f"{abs(points):.1f}"}


@register.filter
def movement(value):
    if value is None:
        return _("新")
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "—"
