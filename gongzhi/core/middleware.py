"""Security headers Django does not set itself: a strict Content-Security-Policy and friends."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def _tile_origin() -> str:
    """The configured map tile server's origin ({s} sub-domains become a wildcard)."""
    url = settings.GONGZHI.get("TILE_URL", "")
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "x"))
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    f"img-src 'self' data: blob: {_tile_origin()}".strip(),
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response
