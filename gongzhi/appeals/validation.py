"""Input checks shared by every channel, raising field-level errors users can act on."""
from __future__ import annotations

import re

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


class FieldErrors(Exception):
    """Bad input: {field: message}. Shown next to the field; never a 500."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
