"""Security a user (or an attacker) would notice: sign-in throttling and its audit trail, headers,
CSRF, unguessable tracking numbers, and no production start with a default key."""
import os
import re
import subprocess
import sys

from django.test import Client
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.core.models import AuditEntry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_a_successful_login_is_audited(org, client):
    response = attempt(client, "operator", org.password)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login", actor=org.operator).count() == 1


def test_repeated_failures_lock_the_account_with_429_and_are_audited(org, client, settings):
    limit = settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]
    for _ in range(limit):
        response = attempt(client, "operator", "wrong-password")
        assert response.status_code == 200  # the form again, with an error
    failures = AuditEntry.objects.filter(action="login_failed")
    assert failures.count() == limit
    assert {e.detail["username"] for e in failures} == {"operator"}
    assert all("wrong-password" not in str(e.detail) for e in failures)
    # Locked: even the right password is refused for now, with 429 and a message in Chinese.
    response = attempt(client, "operator", org.password)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not AuditEntry.objects.filter(action="login").exists()
    # Another account from the same address is not locked by someone else's failures.
    assert attempt(Client(), "dispatcher", org.password).status_code == 302


def test_the_login_page_sends_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_without_a_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "operator", "password": org.password})
    assert response.status_code == 403


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_HTTPONLY


def test_tracking_numbers_are_not_sequential_and_codes_are_checked(org, make_appeal):
    appeals = [make_appeal() for _ in range(12)]
    numbers = [a.tracking_number for a in appeals]
    assert len(set(numbers)) == 12
    assert all(re.fullmatch(r"GZ\d{8}[2-9A-HJ-NP-Z]{6}", n) for n in numbers)
    suffixes = [n[-6:] for n in numbers]
    assert suffixes != sorted(suffixes), "numbers issued one after another do not count up"
    assert len({s[-1] for s in suffixes}) > 3
    first = appeals[0]
    assert services.check_access_code(first, first.access_code)
    wrong = f"{(int(first.access_code) + 1) % 10**6:06d}"
    assert not services.check_access_code(first, wrong)
    assert not services.check_access_code(first, "")
    assert first.access_code not in first.access_code_hash  # only a keyed hash is stored


def production(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"GONGZHI_PRODUCTION": "1", "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
                "GONGZHI_DATA_DIR": os.environ.get("GONGZHI_DATA_DIR", os.path.join(REPO, "var")), **env_extra})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_production_mode_refuses_the_default_secret_key():
    result = production({})
    assert result.returncode != 0
    assert "GONGZHI_SECRET_KEY" in result.stderr and "started" not in result.stdout
    short = production({"GONGZHI_SECRET_KEY": "too-short"})
    assert short.returncode != 0


DATA_KEY = "Gz" * 42 + "GQ=="  # 64 bytes, base64


def test_production_mode_starts_with_a_proper_secret_key_and_a_data_key():
    result = production({"GONGZHI_SECRET_KEY": "k" * 20 + "9f2c1e7a4b8d6f30a5c2e9b7d1f4a6c8", "GONGZHI_DATA_KEYS": DATA_KEY})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_mode_refuses_to_start_without_a_key_for_the_phone_and_id_numbers():
    result = production({"GONGZHI_SECRET_KEY": "k" * 20 + "9f2c1e7a4b8d6f30a5c2e9b7d1f4a6c8"})
    assert result.returncode != 0 and "GONGZHI_DATA_KEYS" in result.stderr


def test_production_settings_secure_the_cookies():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, s.SECURE_HSTS_SECONDS > 0)"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}, "GONGZHI_PRODUCTION": "1",
             "DJANGO_SETTINGS_MODULE": "gongzhi.settings", "GONGZHI_SECRET_KEY": "s" * 50,
             "GONGZHI_DATA_KEYS": DATA_KEY,
             "GONGZHI_DATA_DIR": os.environ.get("GONGZHI_DATA_DIR", os.path.join(REPO, "var"))})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False", "True"]


def test_the_gongzhi_command_in_production_without_a_secret_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"GONGZHI_PRODUCTION": "1", "GONGZHI_DATA_DIR": os.environ.get("GONGZHI_DATA_DIR", os.path.join(REPO, "var"))})
    result = subprocess.run([sys.executable, "-m", "gongzhi", "check"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("gongzhi: configuration error: GONGZHI_SECRET_KEY")
    assert "Traceback" not in result.stderr
