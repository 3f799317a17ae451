"""Template context: which roles the signed-in person holds, the map tiles' URL, the language menu."""
from __future__ import annotations

from django.conf import settings

from .models import Role
from .scoping import roles_of


def tile_url() -> str:
    """The map tiles' URL template (GONGZHI_TILE_URL), for every page with a map."""
    return settings.GONGZHI["TILE_URL"]


def roles(request):
    user = getattr(request, "user", None)
    held = {r.role for r in roles_of(user)}
    if getattr(user, "is_superuser", False):
        held.add("admin")
    return {"gz_roles": held, "gz_is_staff": bool(held - {"citizen"}), "gz_tile_url": tile_url(),
            "gz_languages": LANGUAGE_MENU,
            "gz_role_labels": [role.label for role in Role if role in held and role != Role.CITIZEN]}


# Each language named in itself, whatever the page's language (not translated like settings.LANGUAGES).
LANGUAGE_MENU = [(code, {"zh-hans": "中文", "en": "English"}.get(code, code)) for code, _name in settings.LANGUAGES]
