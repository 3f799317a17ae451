"""The pages people reach from a menu, each declared once with who may open it.

An app declares its menu pages in its ``pages.py`` (found by core at start-up):

    LEADER = nav.page("evaluation:leader", gettext_lazy("领导驾驶舱"), allowed=scoping.oversees, order=40)

and its view is guarded by the same declaration:

    @LEADER.guard
    def leader(request): ...

The menu shows an entry only to whom ``allowed(user)`` is true, and the guard refuses everyone else,
so a menu never links to a page its reader may not open. ``menus`` names the menus an entry is in:
"staff" (the top bar of staff members), "public" (the top bar of everyone else) or a section's own
menu (e.g. "evaluation"). A page that is in no menu may still use a declaration for its guard.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from . import scoping

logger = logging.getLogger(__name__)
STAFF, PUBLIC = "staff", "public"


def everyone(user) -> bool:
    return True


def signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def staff_member(user) -> bool:
    return scoping.is_staff_member(user)


def any_role(*roles: str) -> Callable:
    """A predicate: the user holds one of `roles` (a superuser holds every role)."""
    def allowed(user) -> bool:
        return getattr(user, "is_superuser", False) or scoping.has_role(user, *roles)
    allowed.__name__ = "any_role_" + "_".join(roles)
    return allowed


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str
    allowed: Callable = everyone
    menus: tuple[str, ...] = (STAFF,)
    order: int = 100
    login: bool = True  # a refused anonymous reader is sent to sign in first
    refusal: type[Exception] = Http404  # Http404 hides that the page exists; PermissionDenied says 403
    labels: dict = field(default_factory=dict)  # another label in a named menu: {"safety": "概览"}

    def url(self) -> str:
        return reverse(self.url_name)

    def permits(self, user) -> bool:
        return bool(self.allowed(user))

    def guard(self, view):
        """The view decorator: the reader this declaration refuses never reaches the view."""
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not self.permits(user):
                if self.login and not signed_in(user):
                    return redirect_to_login(request.get_full_path())
                raise self.refusal("not found" if self.refusal is Http404 else "")
            return view(request, *args, **kwargs)
        wrapped.nav_page = self
        return wrapped


_PAGES: dict[str, Page] = {}


def page(url_name: str, label, allowed: Callable = everyone, *, menus: tuple[str, ...] | str = (STAFF,),
         order: int = 100, login: bool = True, refusal: type[Exception] = Http404, labels: dict | None = None) -> Page:
    """Declare (or re-declare, e.g. on reload) the page `url_name`; returns the declaration."""
    if isinstance(menus, str):
        menus = (menus,)
    if refusal not in (Http404, PermissionDenied):
        raise ValueError("refusal must be Http404 or PermissionDenied")
    entry = Page(url_name, label, allowed, tuple(menus), order, login, refusal, dict(labels or {}))
    _PAGES[url_name] = entry
    return entry


def declared() -> list[Page]:
    return sorted(_PAGES.values(), key=lambda p: (p.order, p.url_name))


def menu(user, name: str) -> list[dict]:
    """The entries of menu `name` this user may open, in order: [{"label", "url", "name"}].
    A declaration whose URL is not (yet) routed is left out with a warning, not a broken page for
    everyone (tests/core/test_menus.py fails on it)."""
    entries = []
    for p in declared():
        if name in p.menus and p.permits(user):
            try:
                url = p.url()
            except NoReverseMatch:
                logger.warning("menu page %s is declared but has no URL", p.url_name)
                continue
            entries.append({"label": p.labels.get(name, p.label), "url": url, "name": p.url_name})
    return entries


def top_menu_name(user) -> str:
    return STAFF if staff_member(user) else PUBLIC
