import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
_django = get_wsgi_application()


def _trusted_proxy() -> str:
    from django.conf import settings

    return settings.GONGZHI["TRUSTED_PROXY"]


TRUSTED_PROXY = _trusted_proxy()


def application(environ, start_response):
    """Django's WSGI application; behind the trusted reverse proxy (GONGZHI_TRUSTED_PROXY) the client's
    address is the last X-Forwarded-For entry the proxy appended (gunicorn keeps the proxy's address;
    `gongzhi serve`'s waitress has already done this, and then REMOTE_ADDR is no longer the proxy's)."""
    if TRUSTED_PROXY and environ.get("REMOTE_ADDR") == TRUSTED_PROXY:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            environ["REMOTE_ADDR"] = forwarded
    return _django(environ, start_response)
