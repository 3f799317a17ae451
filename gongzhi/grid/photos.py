"""Photos as a phone sends them from its offline queue, and as the API takes them: a list of
{"name", "data": "data:image/jpeg;base64,…"}. Decoded here into uploaded files; what they contain is
then checked by core.uploads in the service, like any upload."""
from __future__ import annotations

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from gongzhi.core.errors import FieldErrors

MAX_PHOTOS = 3


def from_data_urls(items, field: str = "photos") -> list:
    """The uploaded files of `items` (at most MAX_PHOTOS, more is refused); a FieldErrors naming
    `field` when one is not a base64 data URL."""
    if not isinstance(items, list):
        raise FieldErrors({field: _("照片格式不正确")})
    if len(items) > MAX_PHOTOS:
        raise FieldErrors({field: _("最多上传3张照片")})
    files = []
    for i, item in enumerate(items):
        data = item.get("data", "") if isinstance(item, dict) else ""
        head, _sep, body = str(data).partition(",")
        if not head.startswith("data:") or ";base64" not in head:
            raise FieldErrors({field: _("照片格式不正确")})
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise FieldErrors({field: _("照片格式不正确")}) from None
        if not raw:
            raise FieldErrors({field: _("照片格式不正确")})
        name = str(item.get("name") or f"photo{i + 1}.jpg")[:100]
        files.append(SimpleUploadedFile(name, raw, content_type=head[5:].split(";")[0][:64]))
    return files
