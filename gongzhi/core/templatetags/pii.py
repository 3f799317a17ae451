"""`{% load pii %}`: personal data in staff templates.

``{{ appeal.content|mask_text }}`` shows free text (titles, contents, places, notes, replies, reasons)
with phone and ID numbers masked (gongzhi.core.pii.mask_text). Staff pages show case text this way
everywhere; the full text is shown only after the audited reveal (core.reveal).
"""
from __future__ import annotations

from django import template

from gongzhi.core import pii

register = template.Library()


@register.filter(is_safe=False)
def mask_text(value) -> str:
    """Free text with phone, landline and ID numbers masked; None and "" give ""."""
    if value is None:
        return ""
    return pii.mask_text(str(value))


def _masked(value):
    if isinstance(value, str):
        return pii.mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


@register.filter
def mask_data(value):
    """The same for data handed to a page script: every string in a dict/list structure masked
    (``{{ chart|mask_data|json_script:"chart-data" }}``)."""
    return _masked(value)


@register.filter
def mask_name(value) -> str:
    """A person's name masked (王建国 -> 王**), as core.pii.mask_name."""
    return pii.mask_name(str(value)) if value else ""


@register.filter
def mask_phone(value) -> str:
    """A phone number masked (139****2222)."""
    return pii.mask_phone(str(value)) if value else ""


@register.filter
def mask_id_number(value) -> str:
    """A resident ID number masked."""
    return pii.mask_id_number(str(value)) if value else ""
