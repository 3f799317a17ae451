"""Sessions end (等保 2.0: 登录连接超时自动退出): after 30 minutes without a request, and 8 hours
after signing in whatever happens; the user is told and sent to sign in again."""
from __future__ import annotations

import time

from django.urls import reverse

from gongzhi.core import sessions
from gongzhi.core.models import AuditEntry


def age(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_a_session_idle_for_longer_than_the_limit_ends(org, client, settings):
    client.force_login(org.grid_worker)
    assert client.get("/staff/").status_code == 200
    age(client, **{sessions.SEEN: settings.SESSION_IDLE_SECONDS + 5})
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/staff/").status_code == 302  # signed out, not only redirected once
    assert AuditEntry.objects.filter(action="session_expired", detail__reason="idle").exists()


def test_activity_keeps_a_session_but_not_past_its_absolute_age(org, client, settings):
    client.force_login(org.grid_worker)
    age(client, **{sessions.SEEN: settings.SESSION_IDLE_SECONDS - 60})
    assert client.get("/staff/").status_code == 200  # still within the idle limit: refreshed
    assert time.time() - client.session[sessions.SEEN] < 5
    age(client, **{sessions.SIGNED_IN: settings.SESSION_COOKIE_AGE + 1})
    assert client.get("/staff/").status_code == 302


def test_the_limits_are_thirty_minutes_and_eight_hours_by_default(settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60 and settings.SESSION_COOKIE_AGE == 8 * 3600
