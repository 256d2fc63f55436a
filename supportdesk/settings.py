"""Support Desk settings: one module, every environment differs only by environment variables.

See ``.env.example`` for every variable and what it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-only-change-me")
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
    "django_htmx",
    "accounts",
    "companies",
    "catalog",
    "tickets",
    "audit",
]

MIDDLEWARE = [
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
_db["ENGINE"] = "django.db.backends.postgresql"
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

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Emails are unique case-insensitively among live users through a functional partial unique index
# (accounts_user_email_ci_live_key), which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.E003"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded server's helper narrates every start and stop at INFO.
    "loggers": {"pgserver": {"level": "WARNING"}},
}

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
