"""Personal data: masking for display, scrubbing for logs and open data. One helper, used everywhere."""
from __future__ import annotations

import logging
import re

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
PLATE_RE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]")


def mask_phone(value: str | None) -> str:
    """138****5678: enough to recognise one's own number, not enough to call it."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****"


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
    """Logging filter: no phone or ID number ever reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the request
            return True
        scrubbed = scrub_text(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
