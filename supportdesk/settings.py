"""Support Desk settings: one module, every environment differs only by environment variables.

See ``.env.example`` for every variable and what it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from supportdesk.features import parse_flags
from supportdesk.log import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# Required once DEBUG is off: a production process refuses to start with the development key.
SECRET_KEY = env.str("SECRET_KEY", default="") or ("django-insecure-dev-only-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: it is required when DEBUG is off (see .env.example).")
# Previous keys, still accepted for existing sessions and reset links while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    # First, so that its `migrate` (which waits for the database) replaces Django's.
    "supportdesk",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_prometheus",
    "django_htmx",
    "accounts",
    "companies",
    "catalog",
    "tickets",
    "audit",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "supportdesk.middleware.RequestIdMiddleware",
    "supportdesk.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "supportdesk.middleware.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "supportdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"


# --- Database -------------------------------------------------------------------------------------
# DATABASE_URL wins; else the old app's POSTGRES_* variables; else the embedded PostgreSQL server.
def _database() -> tuple[dict[str, Any], bool]:
    if env.str("DATABASE_URL", default=""):
        return env.db_url("DATABASE_URL"), False
    if any(env.str(name, default="") for name in ("POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_USER")):
        config: dict[str, Any] = {
            "NAME": env.str("POSTGRES_DB", default="supportdesk"),
            "USER": env.str("POSTGRES_USER", default="postgres"),
            "PASSWORD": env.str("POSTGRES_PASSWORD", default=""),
            "HOST": env.str("POSTGRES_HOST", default="127.0.0.1"),
            "PORT": env.str("POSTGRES_PORT", default="5432"),
        }
        if env.bool("POSTGRES_SSL", default=False):
            config["OPTIONS"] = {"sslmode": "require"}
        return config, False
    from supportdesk import embedded_db

    return embedded_db.start(Path(env.str("EMBEDDED_PG_DIR", default=str(BASE_DIR / ".data" / "pg")))), True


_db, EMBEDDED_DATABASE = _database()
# Django's PostgreSQL backend, counting queries and their durations for /metrics (django-prometheus).
_db["ENGINE"] = "supportdesk.backends.postgresql"
# psycopg's pool needs persistent connections off; Django hands connections back to the pool.
_db["CONN_MAX_AGE"] = 0
_db.setdefault("OPTIONS", {})
_db["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
if env.bool("DB_POOL", default=True):
    _db["OPTIONS"]["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        # How long a request waits for a free connection: short, so a dead server fails fast.
        "timeout": env.float("DB_POOL_TIMEOUT", default=3.0),
    }
_db.setdefault("TEST", {})
DATABASES = {"default": _db}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Queries at least this slow are logged with their duration and request id (0: every query; -1: off).
SLOW_QUERY_MS: int | None = env.int("SLOW_QUERY_MS", default=500)
if SLOW_QUERY_MS is not None and SLOW_QUERY_MS < 0:
    SLOW_QUERY_MS = None
# Log slow queries with their parameter values (personal data may then reach the logs).
SLOW_QUERY_PARAMS = env.bool("SLOW_QUERY_PARAMS", default=False)
# How often (seconds) each process logs its connection pool's state; exhaustion is logged at once.
POOL_LOG_INTERVAL = env.int("POOL_LOG_INTERVAL", default=60)
# /readyz opens its own connection with this connect timeout (seconds), never waiting on the pool.
READINESS_CONNECT_TIMEOUT = env.int("READINESS_CONNECT_TIMEOUT", default=2)

# --- Cache ----------------------------------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every worker and host); else a table in PostgreSQL, created by
# `manage.py createcachetable` (make run / make serve / the deploy steps run it).
REDIS_URL = env.str("REDIS_URL", default="")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis outage degrades to cache misses instead of failing requests.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2, "IGNORE_EXCEPTIONS": True},
        }
        if REDIS_URL
        else {
            # Django's, writing many keys in one statement (supportdesk/cache_backends.py).
            "BACKEND": "supportdesk.cache_backends.DatabaseCache",
            "LOCATION": "supportdesk_cache",
            # Culled past this many entries (Django's default, 300, is a few tenants' versions).
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}
if REDIS_URL:
    # API rate-limit counters: one count per token across every worker and host. Without Redis they
    # stay in each process's memory (never the database cache: that would cost queries per request).
    CACHES["throttle"] = {**CACHES["default"], "KEY_PREFIX": "throttle"}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# How long per-tenant reference data and view counts stay cached (seconds). Writes through the services
# invalidate them at once (supportdesk/caching.py); this only bounds the time-based "recently solved".
TENANT_CACHE_SECONDS = env.int("TENANT_CACHE_SECONDS", default=300)

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Every sign-in (admin, UI, API basic auth) goes through the throttled backend.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
LOGIN_THROTTLE_ACCOUNT_LIMIT = env.int("LOGIN_THROTTLE_ACCOUNT_LIMIT", default=5)
LOGIN_THROTTLE_IP_LIMIT = env.int("LOGIN_THROTTLE_IP_LIMIT", default=20)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=15 * 60)
# Sessions end this many seconds after sign-in (default: a working day), or when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
# Emails are unique case-insensitively among live users through a functional partial unique index
# (accounts_user_email_ci_live_key), which this check cannot see (E003 with Django's backend, W004
# with ours).
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]
# The first hasher hashes new passwords. Overridable so a test subprocess can use a fast one.
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)
LOGIN_URL = "/"
LOGIN_REDIRECT_URL = "/tickets"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "supportdesk" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders too, so a server works before (or without) collectstatic.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# --- API and uploads --------------------------------------------------------------------------------
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where an invitation / reset email sends people to choose a password ({uid} and {token} filled in).
PASSWORD_SET_URL = env.str("PASSWORD_SET_URL", default=SITE_URL + "/accounts/set-password/{uid}/{token}/")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Support Desk <desk@localhost>")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

REST_FRAMEWORK = {
    # Token first: a request without credentials is answered 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "supportdesk.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "supportdesk.api.pagination.EnvelopePagination",
    "DEFAULT_THROTTLE_CLASSES": ["supportdesk.api.throttling.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "supportdesk.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "supportdesk.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON only; the attachment upload endpoint adds multipart for itself.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
# Requests per token / signed-in user / anonymous ip.
API_THROTTLE_RATES = {
    "token": env.str("API_THROTTLE_TOKEN", default="3000/hour"),
    "user": env.str("API_THROTTLE_USER", default="6000/hour"),
    "anon": env.str("API_THROTTLE_ANON", default="600/hour"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Support Desk API",
    "DESCRIPTION": (
        "Every entity of the help desk under /api/. Lists answer "
        '`{"data": [...], "pagination": {...}}`; every error answers `{"error": "...", "details": {...}}`. '
        "See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.choices.Status",
        "PriorityEnum": "tickets.choices.Priority",
        "ChannelEnum": "tickets.choices.Channel",
        "RoleEnum": "accounts.choices.Role",
        "UserStatusEnum": "accounts.choices.UserStatus",
    },
}

# --- Security -------------------------------------------------------------------------------------
# Production is DEBUG=false: each default below follows DEBUG, and each can be set on its own
# (e.g. plain-HTTP staging sets SECURE_SSL_REDIRECT=false and the cookie flags to false).
_production = not DEBUG
# TLS ends at the proxy, which says so in X-Forwarded-Proto (it must overwrite a client's header).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TRUST_X_FORWARDED_PROTO", default=_production) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_production)
# Probes and scrapers speak plain HTTP to the container; they are never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_production)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_production)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_production)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_production)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies append to X-Forwarded-For; the client address is the entry they added.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# DRF's per-address API throttling reads the client address the same way.
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES

# --- Observability ---------------------------------------------------------------------------------
# /metrics answers a bearer token (METRICS_TOKEN) or addresses / networks on METRICS_ALLOWED_IPS.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS: list[str] = env.list("METRICS_ALLOWED_IPS", default=[])
# JSON lines in production, readable text in development; LOG_FORMAT=json|text overrides.
LOGGING = logging_config(
    log_format=env.str("LOG_FORMAT", default="text" if DEBUG else "json"),
    level=env.str("LOG_LEVEL", default="INFO"),
)

# --- Feature flags ---------------------------------------------------------------------------------
# FEATURE_FLAGS=bulk_edit,new_inbox=acme|globex,ticket_merge=off — see supportdesk/features.py.
FEATURE_FLAGS = parse_flags(env.list("FEATURE_FLAGS", default=[]))
