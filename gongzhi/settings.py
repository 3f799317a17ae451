"""Gongzhi settings: one module, configured by environment variables (GONGZHI_*).

Defaults give a working single-machine install (SQLite under GONGZHI_DATA_DIR); production is
switched on with GONGZHI_PRODUCTION=1 and then refuses to start with the default secret key.
"""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"GONGZHI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [part.strip() for part in env(name).split(",") if part.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR.parent / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_bool("PRODUCTION")
# Off unless a developer asks (GONGZHI_DEBUG=1): the demo and every site show the product's own
# 404/403/500 pages, never Django's debug pages listing every URL pattern or a traceback.
DEBUG = env_bool("DEBUG") and not PRODUCTION
DEFAULT_SECRET = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
if PRODUCTION and (SECRET_KEY == DEFAULT_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "GONGZHI_SECRET_KEY must be set to a random value of at least 32 characters in production"
    )
# Phone and ID numbers are sealed at rest with these keys (gongzhi.core.crypto): comma-separated,
# the first seals, all open. A development install derives one from the secret key.
DATA_KEYS = env_list("DATA_KEYS")
if PRODUCTION and not DATA_KEYS:
    raise ImproperlyConfigured("GONGZHI_DATA_KEYS must be set in production (`gongzhi keys new` prints a key)")
if not DATA_KEYS:
    import base64 as _b64
    import hashlib as _hashlib

    DATA_KEYS = [_b64.b64encode(_hashlib.sha512(b"gongzhi data key\0" + SECRET_KEY.encode()).digest()).decode()]
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "gongzhi.core",
    "gongzhi.appeals",
    "gongzhi.triage",
    "gongzhi.safety",
    "gongzhi.disputes",
    "gongzhi.emergency",
    "gongzhi.participation",
    "gongzhi.grid",
    "gongzhi.evaluation",
    "gongzhi.api",
    "gongzhi.staff",
    "gongzhi.portal",
    "gongzhi.demo",  # no models: `gongzhi demo` and `gongzhi generate`
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongzhi.core.middleware.SecurityHeadersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gongzhi.core.sessions.SessionLimitsMiddleware",  # idle and absolute session time-outs
    "gongzhi.core.twofactor.TwoFactorMiddleware",  # admins, leaders and revealing roles: a TOTP code
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context.roles",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'gongzhi.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if env("TEST_DB_SUFFIX") and not DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": f"test_gongzhi_{env('TEST_DB_SUFFIX')}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 等保 2.0 身份鉴别: at least 8 characters of three of the four kinds (lower, upper, digits, symbols),
# not a common password nor like the user's name, and none of the user's last PASSWORD_HISTORY ones
# (gongzhi/core/passwords.py keeps their hashes).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "gongzhi.core.passwords.ComplexityValidator"},
    {"NAME": "gongzhi.core.passwords.HistoryValidator"},
]
PASSWORD_HISTORY = int(env("PASSWORD_HISTORY", "5"))
# Two-factor sign-in (gongzhi/core/twofactor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = env("OTP_ISSUER", "Gongzhi")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after_login"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# ISO dates first in every language's input formats (a form shows a value in the first one, and the
# browser's date field takes only YYYY-MM-DD): gongzhi/core/formats.
FORMAT_MODULE_PATH = ["gongzhi.core.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Sessions expire: staff work on shared desks. SESSION_SECONDS after signing in at the latest, and
# after SESSION_IDLE_SECONDS without a request (gongzhi/core/sessions.py).
SESSION_COOKIE_AGE = int(env("SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_IDLE_SECONDS = int(env("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

def _cache(spec: str) -> dict:
    """GONGZHI_CACHE: empty = per-process memory; `db` = a table shared by every process;
    `redis://host:6379/0` = Redis (shared, fast; what a multi-process production install wants)."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": spec,
                "KEY_PREFIX": "gongzhi"}
    if spec == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongzhi-cache"}
    if spec in ("", "memory", "locmem"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi-cache"}
    raise ImproperlyConfigured(f"GONGZHI_CACHE must be empty, 'db' or a redis:// URL, not {spec!r}")


CACHES = {"default": _cache(env("CACHE").strip())}

# Sign-in locks (gongzhi/core/login_lock.py): django-axes locks a (user name, address) pair after
# LOGIN_FAILURES_BEFORE_LOCK failures for 15 minutes from the last one; the account alone is never
# locked. The counts live in the cache when it is shared by every process (redis, db), otherwise in
# the database.
AUTHENTICATION_BACKENDS = ["gongzhi.core.login_lock.Backend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = ("axes.handlers.database.AxesDatabaseHandler"
                if CACHES["default"]["BACKEND"].endswith("LocMemCache") else "axes.handlers.cache.AxesCacheHandler")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "gongzhi.core.login_lock.failure_limit"
AXES_COOLOFF_TIME = "gongzhi.core.login_lock.cooloff"
AXES_USERNAME_CALLABLE = "gongzhi.core.login_lock.username"
AXES_LOCKOUT_CALLABLE = "gongzhi.core.login_lock.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (core.AuditEntry)

# Outgoing e-mail (the daily safety bulletin, notifications, staff password reset). Without a host, development prints mail to the console;
# production then uses the local MTA on localhost:25, Django's default.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "gongzhi@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if not EMAIL_HOST and not PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The task queue: the database (default; `gongzhi worker` runs it) or, with GONGZHI_TASK_BACKEND set to a
# redis:// URL, Redis through django-tasks' RQ backend (scripts/cluster.sh; docs/deploy.md says why).
_task_backend = env("TASK_BACKEND", "django_tasks_db.DatabaseBackend").strip()
if _task_backend.startswith(("redis://", "rediss://", "unix://")):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": _task_backend, "DEFAULT_TIMEOUT": 900}}
    _task_backend = "django_tasks_rq.RQBackend"
TASKS = {
    "default": {
        "BACKEND": _task_backend,
        "QUEUES": ["default"],
    }
}

# Rules of the appeal lifecycle that differ between places.
GONGZHI = {
    "DUE_SOON_HOURS": int(env("DUE_SOON_HOURS", "24")),
    # Rankings: a unit with fewer appeals than this in the period is listed but not ranked.
    "RANKING_MIN_APPEALS": int(env("RANKING_MIN_APPEALS", "10")),
    "MAX_REOPENS": int(env("MAX_REOPENS", "2")),
    "FOLLOW_UP_DAYS": int(env("FOLLOW_UP_DAYS", "5")),
    "NO_RATING_COUNTS_AS": env("NO_RATING_COUNTS_AS", "satisfied"),
    "TRACK_LOOKUPS_PER_HOUR": int(env("TRACK_LOOKUPS_PER_HOUR", "30")),
    # Wrong access codes for one tracking number (from any addresses) in any hour before it pauses.
    "TRACK_FAILURES_PER_NUMBER": int(env("TRACK_FAILURES_PER_NUMBER", "10")),
    "LOGIN_FAILURES_BEFORE_LOCK": int(env("LOGIN_FAILURES_BEFORE_LOCK", "5")),
    "ATTACHMENT_MAX_BYTES": int(env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
    "TRACKING_PREFIX": env("TRACKING_PREFIX", "GZ"),
    # Map tiles, e.g. https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png; empty = outlines only.
    "TILE_URL": env("TILE_URL", ""),
    "SUBMITS_PER_HOUR": int(env("SUBMITS_PER_HOUR", "20")),
    # The operator desk's live suggestions (places, category, repeats, knowledge base): requests per
    # operator per minute; the page asks once per pause in typing.
    "DESK_SUGGEST_PER_MINUTE": int(env("DESK_SUGGEST_PER_MINUTE", "120")),
    # The reverse proxy in front of `gongzhi serve` (e.g. 127.0.0.1), trusted for X-Forwarded-For.
    "TRUSTED_PROXY": env("TRUSTED_PROXY", ""),
    # JSON API limits: requests per window per token and per address.
    "API_RATE_PER_TOKEN": int(env("API_RATE_PER_TOKEN", "600")),
    "API_RATE_PER_IP": int(env("API_RATE_PER_IP", "1200")),
    "API_RATE_WINDOW": int(env("API_RATE_WINDOW", "60")),
    # Outbound webhooks: attempts per delivery, consecutive failures before a subscription is disabled.
    "WEBHOOK_MAX_ATTEMPTS": int(env("WEBHOOK_MAX_ATTEMPTS", "6")),
    "WEBHOOK_DISABLE_AFTER": int(env("WEBHOOK_DISABLE_AFTER", "10")),
    "WEBHOOK_TIMEOUT": int(env("WEBHOOK_TIMEOUT", "10")),
    # Webhook receivers must be https on public addresses (gongzhi/core/outbound.py). An administrator
    # may name hosts that may be reached over plain http, and internal hosts (an on-premises receiver)
    # that may be reached at all; both empty by default. Comma-separated host names or IP literals.
    "WEBHOOK_ALLOW_HTTP_HOSTS": env_list("WEBHOOK_ALLOW_HTTP_HOSTS"),
    "WEBHOOK_ALLOW_INTERNAL_HOSTS": env_list("WEBHOOK_ALLOW_INTERNAL_HOSTS"),
    # Open311: the jurisdiction_id clients must send (empty = not checked) and the contact shown in discovery.
    # Notifications (gongzhi/core/delivery.py): the address links in messages start with; attempts per
    # message before it is given up; SMS: "console" (development: printed, number masked), "file"
    # (JSON lines appended to SMS_FILE) or "http" (one POST per message to SMS_URL with SMS_TOKEN as
    # a bearer token, under the outbound policy of gongzhi/core/outbound.py; SMS_ALLOW_* name the
    # provider hosts allowed over plain http or on internal addresses); empty = no SMS.
    "SITE_URL": env("SITE_URL", "http://localhost:8000").rstrip("/"),
    "NOTIFY_MAX_ATTEMPTS": int(env("NOTIFY_MAX_ATTEMPTS", "6")),
    "NOTIFY_TIMEOUT": int(env("NOTIFY_TIMEOUT", "10")),
    # Days the delivery log keeps a sent, failed or skipped message (0: for ever); the worker purges daily.
    "DELIVERY_LOG_DAYS": int(env("DELIVERY_LOG_DAYS", "90")),
    # The bearer token an SMS provider's inbound callback sends to /accounts/confirm/reply/ with a
    # reply that confirms a message (core.confirmations); empty: no such callback.
    "NOTIFY_REPLY_TOKEN": env("NOTIFY_REPLY_TOKEN", ""),
    # Emergencies (gongzhi.emergency): minutes a confirmed notification may wait per response level
    # before the next person on the duty roster is asked ("I=5,II=10,III=15,IV=30"); days before a
    # plan's review date its owner is reminded; hours before a task's deadline it is due soon.
    "EMERGENCY_ESCALATE_MINUTES": {k.strip(): int(v) for k, v in (
        pair.split("=", 1) for pair in env("EMERGENCY_ESCALATE_MINUTES", "I=5,II=10,III=15,IV=30").split(",")
        if "=" in pair)},
    "EMERGENCY_PLAN_REMINDER_DAYS": int(env("EMERGENCY_PLAN_REMINDER_DAYS", "30")),
    "EMERGENCY_TASK_DUE_SOON_HOURS": float(env("EMERGENCY_TASK_DUE_SOON_HOURS", "0.5")),
    # Sensors over MQTT (`gongzhi sensors listen`, started by `gongzhi serve`): the broker, the most
    # events a minute one device may send, and the minutes of silence after which it is offline.
    "MQTT_HOST": env("MQTT_HOST", "127.0.0.1"),
    "MQTT_PORT": int(env("MQTT_PORT", "1883")),
    "SENSOR_RATE_PER_MINUTE": int(env("SENSOR_RATE_PER_MINUTE", "30")),
    "SENSOR_OFFLINE_MINUTES": int(env("SENSOR_OFFLINE_MINUTES", "30")),
    "SMS_BACKEND": env("SMS_BACKEND", "" if PRODUCTION else "console"),
    "SMS_FILE": env("SMS_FILE", str(DATA_DIR / "sms-outbox.jsonl")),
    "SMS_URL": env("SMS_URL", ""),
    "SMS_TOKEN": env("SMS_TOKEN", ""),
    "SMS_SENDER": env("SMS_SENDER", ""),
    "SMS_ALLOW_HTTP_HOSTS": env_list("SMS_ALLOW_HTTP_HOSTS"),
    "SMS_ALLOW_INTERNAL_HOSTS": env_list("SMS_ALLOW_INTERNAL_HOSTS"),
    # Lost access codes sent again (portal): per address and per tracking number, in any hour.
    "CODE_RECOVERIES_PER_HOUR": int(env("CODE_RECOVERIES_PER_HOUR", "5")),
    # Triage: an appeal is dispatched without a dispatcher only when the classifier's held-out
    # precision at its confidence reached this target; safety words (comma-separated, added to the
    # built-in list of triage.risk) raise urgency and tell the region's supervisors at intake.
    "AUTO_DISPATCH_PRECISION": float(env("AUTO_DISPATCH_PRECISION", "0.97")),
    "SAFETY_WORDS": env_list("SAFETY_WORDS"),
    # Publication (gongzhi/core/publication.py): an appeal nobody reviewed reaches the open data and
    # the Open311 public feed this many days after it came in (an approved one at once; a withheld one,
    # or one of a confidential category, never); words (comma-separated) no public text carries.
    "PUBLICATION_DELAY_DAYS": int(env("PUBLICATION_DELAY_DAYS", "3")),
    "PUBLICATION_HIDDEN_WORDS": env_list("PUBLICATION_HIDDEN_WORDS"),
    "OPEN311_JURISDICTION": env("OPEN311_JURISDICTION", ""),
    "OPEN311_CONTACT": env("OPEN311_CONTACT", "12345 政务服务便民热线"),
    # Public safety: local hour the daily bulletin is built and sent; near-repeat defaults.
    "BULLETIN_HOUR": int(env("BULLETIN_HOUR", "7")),
    "NEAR_REPEAT_RADIUS_M": int(env("NEAR_REPEAT_RADIUS_M", "200")),
    "NEAR_REPEAT_DAYS": int(env("NEAR_REPEAT_DAYS", "14")),
    # Disputes: calendar days a mediation may take from acceptance (counted as petitions' periods).
    "DISPUTE_MEDIATION_DAYS": int(env("DISPUTE_MEDIATION_DAYS", "30")),
    # Petitions (信访工作条例, 2022): calendar days from the day after the trigger; a last day on a rest
    # day moves to the next working day.
    "PETITION_ACCEPT_DAYS": int(env("PETITION_ACCEPT_DAYS", "15")),
    "PETITION_OPINION_DAYS": int(env("PETITION_OPINION_DAYS", "60")),
    "PETITION_EXTENSION_MAX_DAYS": int(env("PETITION_EXTENSION_MAX_DAYS", "30")),
    "PETITION_REVIEW_REQUEST_DAYS": int(env("PETITION_REVIEW_REQUEST_DAYS", "30")),
    "PETITION_REVIEW_DAYS": int(env("PETITION_REVIEW_DAYS", "30")),
    "PETITION_REEXAM_REQUEST_DAYS": int(env("PETITION_REEXAM_REQUEST_DAYS", "30")),
    "PETITION_REEXAM_DAYS": int(env("PETITION_REEXAM_DAYS", "30")),
    # Participation: working days a department has to answer a proposal once it is given to it; the
    # support that makes a proposal due for an answer (a category may set its own).
    "PROPOSAL_ANSWER_DAYS": int(env("PROPOSAL_ANSWER_DAYS", "15")),
    "PROPOSAL_THRESHOLD": int(env("PROPOSAL_THRESHOLD", "50")),
}

# Every handler carries the scrubbing filter (message, arguments, traceback and stack: no phone or
# ID number in a log line). Django's own default handlers are replaced, not kept beside ours: its
# "django" console handler (on in DEBUG) and mail_admins would write or mail unscrubbed tracebacks,
# and its "django.server" handler would print request lines unscrubbed. django.request, waitress,
# the task worker (django_tasks, django_tasks_db, gongzhi.worker) and the apps all reach the root
# handler. tests/core/test_log_scrubbing.py checks that no handler goes without the filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_pii": {"()": "gongzhi.core.pii.ScrubPersonalDataFilter"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                     "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub_pii"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["scrub_pii"]},
    },
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
