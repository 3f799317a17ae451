"""`{{ sentence|reason }}`: a stored reason in the reader's language (core.reasons)."""
from django import template

from gongzhi.core.reasons import translate

register = template.Library()


@register.filter
def reason(sentence) -> str:
    return translate(sentence)
