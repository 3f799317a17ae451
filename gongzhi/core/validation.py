"""Input checks shared by every channel, raising field-level errors users can act on."""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

# ---------------------------------------------------------------- limits
# The one definition of each limit: the services enforce them and the API schema (gongzhi/api/v1.py)
# publishes them, so the two cannot disagree. Lengths are characters once leading and trailing
# whitespace is trimmed, as the services store the text.
TITLE_MAX = 200
CONTENT_MAX = 10000
LOCATION_MAX = 300
NAME_MAX = 64
REASON_MIN, REASON_MAX = 2, 300    # a reason (退单, 办结, 重办, 延期, 督办) or another short note
NOTE_MAX = 2000                    # a progress note (办理)
REPLY_MIN, REPLY_MAX = 10, 5000    # the official answer (答复) must say what was found and done
COMMENT_MAX = 500                  # the appellant's follow-up comment
EXTENSION_DAYS_MIN, EXTENSION_DAYS_MAX = 1, 30   # working days one extension may ask for

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ID_RE = re.compile(r"^\d{17}[\dXx]$")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"

ALLOWED_UPLOADS = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


# Control characters have no place in what people write: they are invisible, and one of them makes
# an Excel export or an XML feed unreadable. Tab and line breaks (LF, CRLF) are ordinary text; a CR
# not followed by LF, the other C0 controls and DEL are refused at intake, on every channel (the
# import reports such a row as an error). The C1 range (U+0080-U+009F) is let through: XML and XLSX
# hold it, and real exports carry it as mojibake ("â\x80\x99" in 15 of the NYC sample's 1,000 rows).
# The rule, in one pattern (api/v1.py derives the published schema from it):
CONTROL_CHARACTER_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")
# The same as a fast scan: one character class is several times quicker than the alternation, and the
# import checks every row; the CR case only where there is a CR.
_CONTROL_SCAN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    return _CONTROL_SCAN_RE.search(text) is not None or ("\r" in text and CONTROL_CHARACTER_RE.search(text) is not None)


def control_character(value: str | None) -> str:
    """The first control character in `value`, as "U+0001", or "" when there is none."""
    found = CONTROL_CHARACTER_RE.search(value) if value and has_control_character(value) else None
    return f"U+{ord(found.group()[0]):04X}" if found else ""


def control_character_errors(**fields: str | None) -> dict[str, str]:
    """{field: message} for each of `fields` (name=value) holding a control character."""
    errors = {}
    for name, value in fields.items():
        bad = control_character(value)
        if bad:
            errors[name] = _("含有不可见的控制字符（%(char)s），请删除后再提交") % {"char": bad}
    return errors


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "").replace("+86", "")


def valid_phone(value: str) -> bool:
    return bool(PHONE_RE.match(normalise_phone(value)))


def valid_id_number(value: str) -> bool:
    """18-digit resident ID with its ISO 7064 check character."""
    v = (value or "").strip().upper()
    if not ID_RE.match(v):
        return False
    total = sum(int(d) * w for d, w in zip(v[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == v[17]


def sniff_upload(head: bytes) -> str | None:
    for magic, content_type in ALLOWED_UPLOADS.items():
        if head.startswith(magic):
            return content_type
    return None
