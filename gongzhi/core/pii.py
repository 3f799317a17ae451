"""Personal data: masking for display, scrubbing for logs and open data. One helper, used everywhere."""
from __future__ import annotations

import logging
import re

# A number may also follow an escape in the repr() of a string, as tracebacks and reprs in log lines
# show it ('第一行\n110101…', '\x0113812345678'): such an escape counts as a boundary too.
_AFTER_ESCAPE = r"(?<=\\[nrt])|(?<=\\x[0-9a-fA-F]{2})|(?<=\\u[0-9a-fA-F]{4})"
# Mobiles as people write them: 13812345678, 138 1234 5678, 138-1234-5678, +8613812345678.
PHONE_RE = re.compile(rf"(?:(?<!\d)|(?<=\+86)|{_AFTER_ESCAPE})(1[3-9]\d)[ -]?(\d{{4}})[ -]?(\d{{4}})(?!\d)")
LANDLINE_RE = re.compile(rf"(?:(?<!\d)|{_AFTER_ESCAPE})(0\d{{2,3}})([- ]?)(\d{{7,8}})(?!\d)")
ID_NUMBER_RE = re.compile(rf"(?:(?<![0-9A-Za-z])|{_AFTER_ESCAPE})(\d{{6}})(\d{{8}})(\d{{3}}[\dXx])(?![0-9A-Za-z])")
PLATE_RE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]")


def mask_phone(value: str | None) -> str:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****"


def mask_email(value: str | None) -> str:
    """z***@example.com: the first letter and the domain."""
    if not value:
        return ""
    local, _at, domain = value.strip().partition("@")
    return f"{local[:1]}***@{domain}" if domain else "****"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    if len(v) >= 10:
        return f"{v[:3]}{'*' * (len(v) - 7)}{v[-4:]}"
    return "*" * len(v)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def mask_address(value: str | None) -> str:
    """Keep the coarse part (up to the road or community) and hide house numbers."""
    if not value:
        return ""
    return re.sub(r"\d+(号|栋|幢|单元|室|楼|层|弄)", r"*\1", value)


def mask_text(text: str | None) -> str:
    """Free text for staff display: phone, landline and ID numbers masked as the fields are
    (138****5678, 0571-****4321, 110***********4512); everything else, plates included, stays readable.
    Who may see the text unmasked is decided in one place (appeals.services.may_see_full_text);
    everyone else reads this."""
    if not text:
        return ""
    text = ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return LANDLINE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(3)[-4:]}", text)


def scrub_text(text: str | None) -> str:
    """Remove phone numbers, ID numbers and plate numbers from free text."""
    if not text:
        return ""
    text = ID_NUMBER_RE.sub("[身份证号]", text)
    text = PHONE_RE.sub("[电话]", text)
    text = LANDLINE_RE.sub("[电话]", text)
    text = PLATE_RE.sub("[车牌]", text)
    return text


class ScrubPersonalDataFilter(logging.Filter):
    """Logging filter: no phone or ID number ever reaches a log line.

    settings.LOGGING puts it on every handler. It scrubs the whole record, not only the message: the
    arguments (merged into the message), the traceback (formatted here, scrubbed, and kept as
    ``exc_text`` while ``exc_info`` is dropped, so no formatter or handler can render the raw one
    again) and the stack. Scrubbing is idempotent: a record handled by several handlers is fine."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the request, nor leak its arguments
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub_text(message), None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self._formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        return True
