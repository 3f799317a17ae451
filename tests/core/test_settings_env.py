"""Deployments configure the platform with GONGZHI_* environment variables only."""
import os
import socket
import subprocess
import sys
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_python(code: str, extra_env: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"DJANGO_SETTINGS_MODULE": "gongzhi.settings", "GONGZHI_DATA_DIR": str(tmp_path), **extra_env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_a_redis_cache_shares_throttle_counters_between_processes(tmp_path):
    """Behind several `gongzhi serve` processes the login lock must count failures across all of them.
    (A window of months, so the three calls never straddle a window boundary.)"""
    key = f"test-{uuid.uuid4().hex}"
    redis_env = {"GONGZHI_CACHE": "redis://127.0.0.1:6379/15"}
    hit = f"from gongzhi.core import throttle; print(throttle.hit({key!r}, 2, 10_000_000)[0])"
    first = run_python(hit, redis_env, tmp_path)
    second = run_python(hit, redis_env, tmp_path)
    third = run_python(hit, redis_env, tmp_path)
    assert [r.stdout.strip() for r in (first, second, third)] == ["True", "True", "False"], third.stderr
    backend = run_python("from django.core.cache import caches; print(type(caches[\"default\"]).__name__)", redis_env, tmp_path)
    assert backend.stdout.strip() == "RedisCache"


def test_an_unknown_cache_setting_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"GONGZHI_DATA_DIR": str(tmp_path), "GONGZHI_CACHE": "memcached://x"})
    result = subprocess.run([sys.executable, "-m", "gongzhi", "check"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("gongzhi: configuration error: GONGZHI_CACHE")
    assert "Traceback" not in result.stderr


def test_limits_mail_and_open311_come_from_the_environment(tmp_path):
    result = run_python(
        "from django.conf import settings as s; from gongzhi.api import security, webhooks; "
        "print(security.limit('API_RATE_PER_TOKEN'), webhooks.option('WEBHOOK_DISABLE_AFTER'), "
        "s.GONGZHI['BULLETIN_HOUR'], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, "
        "s.EMAIL_BACKEND.rsplit('.', 2)[-2])",
        {"GONGZHI_API_RATE_PER_TOKEN": "7", "GONGZHI_WEBHOOK_DISABLE_AFTER": "3", "GONGZHI_BULLETIN_HOUR": "6",
         "GONGZHI_EMAIL_HOST": "smtp.example.gov.cn", "GONGZHI_EMAIL_PORT": "587", "GONGZHI_EMAIL_USE_TLS": "1",
         "GONGZHI_EMAIL_FROM": "bulletin@example.gov.cn"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "3", "6", "smtp.example.gov.cn", "587", "True",
                                     "bulletin@example.gov.cn", "smtp"]


def test_without_a_mail_host_development_prints_mail_instead_of_failing(tmp_path):
    result = run_python("from django.conf import settings as s; print(s.EMAIL_BACKEND)", {}, tmp_path)
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"
