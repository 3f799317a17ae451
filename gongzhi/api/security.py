"""Who is calling and how often: token authentication and per-token / per-IP rate limits."""
from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from gongzhi.core import throttle
from gongzhi.core.audit import client_ip
from gongzhi.core.models import RoleAssignment, User

from .models import ApiToken, hash_token

DEFAULT_LIMITS = {
    "API_RATE_PER_TOKEN": 600,   # requests per window for one token
    "API_RATE_PER_IP": 1200,     # requests per window from one address, tokens or not
    "API_RATE_WINDOW": 60,       # seconds
}


def limit(name: str) -> int:
    """Limits live in settings.GONGZHI (overridable per deployment), with sane defaults here."""
    return int(getattr(settings, "GONGZHI", {}).get(name, DEFAULT_LIMITS[name]))


class RateLimited(Exception):
    def __init__(self, retry_after: int, scope: str):
        super().__init__(f"too many requests ({scope}); retry after {retry_after} s")
        self.retry_after = max(1, int(retry_after))
        self.scope = scope


def check_ip(request) -> None:
    ip = client_ip(request) or "unknown"
    allowed, retry = throttle.hit(f"api-ip:{ip}", limit("API_RATE_PER_IP"), limit("API_RATE_WINDOW"))
    if not allowed:
        raise RateLimited(retry, "ip")


def check_token(token: ApiToken) -> None:
    allowed, retry = throttle.hit(f"api-token:{token.pk}", limit("API_RATE_PER_TOKEN"), limit("API_RATE_WINDOW"))
    if not allowed:
        raise RateLimited(retry, "token")


def token_user(request, raw: str | None):
    """Authenticate a raw token, apply its rate limit and make its user the request's user."""
    found = _token(raw)
    if found is None:
        return None
    token, roles = found
    check_token(token)
    user = copy.copy(token.user)  # this request's own instance: what a request notes on it stays with it
    user._gz_roles = list(roles)  # scoping.roles_of: read with the token, not once more per request
    request.user = user
    request.api_token = token
    return token


# ---------------------------------------------------------------- tokens known to this process
#
# An integrating system sends thousands of requests a minute with one token: this process keeps
# what the token, its user and the user's roles were when last read (for TOKEN_CACHE_SECONDS at
# most), instead of two reads per request. Any save or delete of a token, a user or a role
# assignment moves a generation counter in the cache (now and when it commits), and an entry read
# under an older generation is read again: a revoked token, a deactivated user or a withdrawn role
# takes effect at the next request in every process that shares the cache (GONGZHI_CACHE=redis://
# or db for several processes; with the per-process memory cache another process of the same site
# sees a change after TOKEN_CACHE_SECONDS at the latest).

TOKEN_CACHE_SECONDS = 10.0
TOKEN_CACHE_SIZE = 1000  # entries; past it the dict is emptied (tokens are few, guesses are not cached)
_GENERATION_KEY = "api-auth-generation"
_known: dict[str, tuple] = {}  # token hash -> (generation, read at (monotonic), token, roles)
_known_lock = threading.Lock()


def _token(raw: str | None):
    """(token, its user's role assignments) for an active token's raw value, or None."""
    if not raw or len(raw) > 200:
        return None
    digest = hash_token(raw)
    generation = _generation()  # before any read: a change committed after it is seen next time
    entry = _known.get(digest)
    if (entry is not None and generation is not None and entry[0] == generation
            and time.monotonic() - entry[1] < TOKEN_CACHE_SECONDS):
        token, roles = entry[2], entry[3]
    else:
        read_at = time.monotonic()
        token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
        if token is None:
            return None
        roles = tuple(RoleAssignment.objects.filter(user=token.user).select_related("region", "department", "grid"))
        with _known_lock:
            if len(_known) >= TOKEN_CACHE_SIZE:
                _known.clear()
            _known[digest] = (generation, read_at, token, roles)
    if not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, roles


def forget_tokens(**_ignored) -> None:
    """A token, a user or a role assignment changed: every process reads its tokens again, now and
    once the change commits (a request read in between must not keep what was before)."""
    _bump()
    transaction.on_commit(_bump)


def _generation() -> int:
    """The counter; started (again, after the cache was cleared or evicted it) at the clock's
    nanoseconds, so it never comes back to a value an older entry was read under."""
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        cache.add(_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(_GENERATION_KEY)
    return generation


def _bump() -> None:
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # not there: starting it anew is a change of its value too
        cache.add(_GENERATION_KEY, time.time_ns(), None)


for _model in (ApiToken, User, RoleAssignment):
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"gongzhi.api.tokens.save.{_model.__name__}")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"gongzhi.api.tokens.delete.{_model.__name__}")
