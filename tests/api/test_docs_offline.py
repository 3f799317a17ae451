"""/api/v1/docs works without the internet: the page is served from the platform's own static
files (the CSP allows nothing else), and each asset it references answers."""
from __future__ import annotations

import re

import pytest

from gongzhi.core.middleware import CSP

ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"')


@pytest.mark.django_db
def test_the_api_documentation_page_uses_only_the_platforms_own_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "an external asset"
    assert "cdn" not in page.lower()
    assert "<script>" not in page, "no inline script (the CSP forbids it)"
    assets = ASSET.findall(page)
    assert len(assets) >= 3, assets
    for url in assets:
        assert url.startswith("/static/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content if asset.streaming else [asset.content])
    assert "script-src 'self'" in CSP and response["Content-Security-Policy"] == CSP
    # the page's settings point at the schema, which answers too, and at no online validator
    settings = re.search(r'<script id="swagger-settings" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert '"validatorUrl": null' in settings
    assert client.get("/api/v1/openapi.json").status_code == 200
