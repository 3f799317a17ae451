"""Guessing one appeal's access code from many addresses is stopped: after ten wrong codes for a
tracking number in an hour its look-ups pause (audited), whatever address the next try comes from,
and the citizen is told to come back later or call the hotline."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AuditEntry

LIMIT = 10


def track(number, code, ip, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return Client().post(reverse("portal:track"), {"tracking_number": number, "access_code": code},
                         REMOTE_ADDR=ip, **headers)


def wrong(appeal, i: int) -> str:
    code = f"{(int(appeal.access_code) + 1 + i) % 10**6:06d}"
    assert code != appeal.access_code
    return code


@pytest.fixture
def appeal(make_appeal, settings):
    assert settings.GONGZHI["TRACK_FAILURES_PER_NUMBER"] == LIMIT  # the documented default
    return make_appeal()


def test_ten_wrong_codes_from_ten_addresses_pause_the_number_for_everyone(appeal):
    for i in range(LIMIT):
        response = track(appeal.tracking_number, wrong(appeal, i), f"198.51.100.{i + 1}")
        assert response.status_code == 200 and "编号或查询码不正确" in response.content.decode()
    # the tenth says the number is now paused
    assert "查询已暂停" in response.content.decode()
    # the right code from a fresh address is not checked now either: the guessing stops here
    paused = track(appeal.tracking_number, appeal.access_code, "192.0.2.200")
    body = paused.content.decode()
    assert paused.status_code == 429 and 3000 < int(paused["Retry-After"]) <= 3600 + 360
    assert "一小时后再试" in body and "12345" in body and appeal.title not in body


def test_the_pause_is_audited_once_with_the_number(appeal):
    for i in range(LIMIT + 5):
        track(appeal.tracking_number, wrong(appeal, i), f"198.51.100.{i + 1}")
    [entry] = AuditEntry.objects.filter(action="track_locked")
    assert entry.target_type == "appeals.appeal" and entry.target_id == str(appeal.pk)
    assert entry.detail["tracking_number"] == appeal.tracking_number and entry.detail["failures"] == LIMIT
    assert entry.ip == f"198.51.100.{LIMIT}"


def test_the_right_code_does_not_count_and_other_numbers_are_not_paused(appeal, make_appeal):
    other = make_appeal()
    for i in range(LIMIT - 1):
        track(appeal.tracking_number, wrong(appeal, i), f"198.51.100.{i + 1}")
    for _ in range(3):  # the owner looks it up a few times in between
        assert track(appeal.tracking_number, appeal.access_code, "192.0.2.7").status_code == 302
    assert track(appeal.tracking_number, appeal.access_code, "192.0.2.8").status_code == 302
    for i in range(LIMIT):
        track(other.tracking_number, wrong(other, i), f"198.51.100.{i + 1}")
    assert track(appeal.tracking_number, appeal.access_code, "192.0.2.9").status_code == 302


def test_an_unknown_number_pauses_just_like_a_real_one(appeal):
    """Otherwise a pause would tell which numbers exist."""
    for i in range(LIMIT):
        track("GZ20990101ZZZZZZ", f"{i:06d}", f"198.51.100.{i + 1}")
    response = track("GZ20990101ZZZZZZ", "123456", "192.0.2.1")
    assert response.status_code == 429 and "查询已暂停" in response.content.decode()


def test_the_pause_message_speaks_english(appeal):
    for i in range(LIMIT):
        track(appeal.tracking_number, wrong(appeal, i), f"198.51.100.{i + 1}")
    body = track(appeal.tracking_number, appeal.access_code, "192.0.2.1", language="en").content.decode()
    assert "Too many wrong access codes" in body and "12345" in body and "查询已暂停" not in body
