"""Who is calling and how often: token authentication and per-token / per-IP rate limits."""
from __future__ import annotations

from django.conf import settings

from gongzhi.core import throttle
from gongzhi.core.audit import client_ip

from .models import ApiToken

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
    token = ApiToken.authenticate(raw)
    if token is None:
        return None
    check_token(token)
    request.user = token.user
    request.api_token = token
    return token
