"""Bad input is refused with a 4xx and a reason, never a 500, and nothing is stored: bytes that are
not UTF-8, a 10 MB body, files that pretend to be photos (a Windows program named .jpg, a zip, a
decompression bomb). (Spreadsheet formula injection: tests/imports/test_export_injection.py; script
in free text rendered by Chromium: tests/e2e/test_no_html_injection.py; the API's schema fuzzing:
tests/api/test_openapi_schemathesis.py; the appeal lifecycle: tests/appeals/test_lifecycle_stateful.py.)"""
from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.appeals.models import Appeal


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bearer(org):
    from gongzhi.api.models import ApiToken

    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(org.operator, 'bad-input')[1]}"}


def post_api(body: bytes, bearer, content_type="application/json"):
    return Client(raise_request_exception=False).generic("POST", "/api/v1/appeals", body, content_type=content_type,
                                                         **bearer)


@pytest.mark.parametrize("body", [
    b'{"channel": "phone", "title": "\xff\xfe\xc3\x28", "content": "x"}',  # not UTF-8 at all
    b'{"channel": "phone", "title": "\xed\xa0\x80", "content": "x"}',      # an encoded lone surrogate
    b'{"channel": "phone", "title": "\\ud800", "content": "x"}',           # a lone surrogate escaped in JSON
    b"\xef\xbb\xbf\x00\x00",                                                # a BOM and NULs
])
def test_bytes_that_are_not_utf8_are_a_400_or_422_and_store_nothing(org, bearer, body):
    response = post_api(body, bearer)
    assert response.status_code in (400, 422), response.content[:300]
    assert not Appeal.objects.exists()


def test_a_10_mb_json_body_is_refused_with_a_reason(org, bearer):
    body = b'{"channel": "phone", "title": "' + b"a" * (10 * 1024 * 1024) + b'", "content": "x"}'
    response = post_api(body, bearer)
    assert response.status_code in (400, 413, 422) and response.content
    assert not Appeal.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(org, bearer, settings):
    body = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_api(body, bearer, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500


def test_a_form_with_bytes_that_are_not_utf8_is_answered_not_crashed(org):
    client = Client(raise_request_exception=False)
    response = client.generic("POST", reverse("portal:track"), b"tracking_number=%FF%FE%C3%28&access_code=%ED%A0%80",
                              content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert client.get("/track/?q=%FF%FE", follow=True).status_code < 500


def _exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"This program cannot be run in DOS mode" + b"\x00" * 400


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros in a few kB
    return out.getvalue()


def _pixel_bomb() -> bytes:
    """A real PNG of 20,000 × 20,000 pixels in a few kB: 400 megapixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("name,content", [("photo.jpg", _exe()), ("photo.jpg", _zip()), ("photo.png", _pixel_bomb())],
                         ids=["exe-named-jpg", "zip-bomb-named-jpg", "decompression-bomb-png"])
def test_a_file_that_pretends_to_be_a_photo_is_refused_by_name(name, content):
    """What every upload goes through (the citizen's photos, replies, notes, the API): the bytes decide,
    not the name, and an image must decode to a sane size."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.core.uploads import check_uploads

    accepted, errors = check_uploads([SimpleUploadedFile(name, content)], field="after")
    assert accepted == [] and f"“{name}”不是允许的类型" in errors["after"]


@pytest.mark.parametrize("name,content", [("photo.jpg", _exe()), ("photo.jpg", _zip())],
                         ids=["exe-named-jpg", "zip-bomb-named-jpg"])
def test_the_citizens_form_refuses_a_disguised_file_and_keeps_nothing(org, settings, name, content):
    """The same check where a citizen uploads: the appeal is not taken, the reason names the file,
    and neither a row nor a file is left behind."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.appeals.models import Attachment

    response = Client(raise_request_exception=False).post(reverse("portal:submit"), {
        "title": "小区电梯长期故障", "content": "东湖社区3栋电梯坏了两个月，老人上下楼困难。",
        "location_text": "东湖社区3栋", "appellant_name": "张三", "appellant_phone": "13812345678",
        "attachments": [SimpleUploadedFile(name, content, "image/jpeg")]})
    assert response.status_code == 400
    assert f"“{name}”不是允许的类型" in response.content.decode()
    assert not Appeal.objects.exists() and not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
