"""Checking uploaded files by what they contain, and the metadata-free copy a citizen may see.

The type is read from the file's bytes (never its name or the browser's claim); an image must also
decode (Pillow, when installed), so a script renamed to .jpg or a JPEG header glued onto something
else is refused. A public copy is re-encoded from the pixels: EXIF (GPS position, camera, time) and
other metadata do not survive it.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .validation import sniff_upload

try:  # Pillow is a dependency; without it the magic bytes alone decide and no copy is re-encoded
    from PIL import Image, ImageOps
except ImportError:  # pragma: no cover - exercised only on an install without Pillow
    Image = ImageOps = None

MAX_FILES = 5
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}


@dataclass
class CheckedUpload:
    file: object
    content_type: str
    name: str
    size: int

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def _max_bytes() -> int:
    return settings.GONGZHI["ATTACHMENT_MAX_BYTES"]


def _decodes_as(f, content_type: str) -> bool:
    """The whole image decodes as the type its first bytes claim."""
    if Image is None:
        return True
    f.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(f) as im:
                if im.format != _PIL_FORMATS[content_type]:
                    return False
                im.verify()
            f.seek(0)
            with Image.open(f) as im:
                im.load()  # verify() does not decode pixels; a truncated body fails here
    except Exception:  # any decoder error means "not the image it claims to be"
        return False
    finally:
        f.seek(0)
    return True


def check_uploads(files, field: str = "attachments") -> tuple[list[CheckedUpload], dict[str, str]]:
    """The accepted files and {field: message} for the first refusal (empty when all pass)."""
    files = [f for f in files if f]
    checked, errors = [], {}
    if len(files) > MAX_FILES:
        return [], {field: _("最多上传5个附件")}
    for f in files:
        name = str(getattr(f, "name", "") or _("附件"))[:200]
        size = getattr(f, "size", 0) or 0
        if size > _max_bytes():
            errors[field] = _("“%(name)s”超过%(size)sMB") % {"name": name, "size": _max_bytes() // (1024 * 1024)}
            continue
        f.seek(0)
        content_type = sniff_upload(f.read(16))
        f.seek(0)
        if content_type is None or (content_type in IMAGE_TYPES and not _decodes_as(f, content_type)):
            errors[field] = (_("“%(name)s”不是允许的类型（仅限 JPG、PNG、GIF 图片或 PDF）") % {"name": name})
            continue
        checked.append(CheckedUpload(f, content_type, name, size))
    return checked, errors


def public_copy(upload: CheckedUpload) -> ContentFile | None:
    """The image re-encoded from its pixels (orientation applied, every metadata block dropped)."""
    if not upload.is_image:
        return None
    f = upload.file
    f.seek(0)
    if Image is None:  # pragma: no cover
        return ContentFile(f.read(), name=upload.name)
    with Image.open(f) as im:
        fmt = im.format
        image = ImageOps.exif_transpose(im)
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 90} if fmt == "JPEG" else {}
        image.save(out, format=fmt, **options)  # no exif=, no icc/xmp: nothing of the original's metadata
    f.seek(0)
    return ContentFile(out.getvalue(), name=upload.name)
