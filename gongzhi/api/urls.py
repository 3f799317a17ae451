"""/api/v1/ (django-ninja, OpenAPI at /api/v1/openapi.json) and /open311/v2/ (GeoReport v2)."""
from django.urls import include, path, re_path

from . import open311
from .open311_openapi import openapi_view
from .v1 import api

FMT = r"(?:\.(?P<fmt>xml|json))?"

open311_patterns = [
    re_path(rf"^discovery{FMT}$", open311.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", open311.service_list, name="services"),
    re_path(rf"^services/(?P<code>[^/]+?){FMT}$", open311.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", open311.requests_view, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/]+?){FMT}$", open311.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FMT}$", open311.token_view, name="token"),
    re_path(r"^openapi\.json$", openapi_view, name="openapi"),
    re_path(r"^.*$", open311.open311_404),
]

urlpatterns = [
    path("api/v1/", api.urls),
    path("open311/v2/", include((open311_patterns, "open311"))),
]
