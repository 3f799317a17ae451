"""The API's documentation page (/api/v1/docs) served from the platform's own static files.

django-ninja renders Swagger UI from a CDN unless "ninja" is an installed app; the CSP forbids the
CDN and an installation may have no internet, so the page uses the vendored copy under
static/vendor/swagger-ui and asks no online validator."""
from __future__ import annotations

from django.shortcuts import render
from ninja.openapi.docs import Swagger


class OfflineSwagger(Swagger):
    template = "api/docs.html"
    default_settings = {**Swagger.default_settings, "validatorUrl": None}

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": settings, "api": api})
