"""Production is the same settings module with other environment variables."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#qz!v2rL9@xW4t%Hs8&mN3pB6^yC1eJ5uF0gD-aR_oT+iK=wE",
    "ALLOWED_HOSTS": "desk.example.com",
    "LOG_FORMAT": "json",
}


# Not inherited from the test process: LOG_FORMAT would override the default under test, and the
# browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process, which a server never has.
NOT_INHERITED = {"LOG_FORMAT", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k not in NOT_INHERITED}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_variables() -> None:
    out = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_logs_json_lines_unless_told_otherwise() -> None:
    show = "from django.conf import settings; print(settings.LOGGING['formatters']['default'])"
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "LOG_FORMAT"}
    assert "JsonFormatter" in manage("shell", "-c", show, env=env).stdout
    assert "%(request_id)s" in manage("shell", "-c", show, env={**env, "LOG_FORMAT": "text"}).stdout


def test_without_a_secret_key_production_refuses_to_start() -> None:
    out = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert out.returncode != 0
    assert "Set SECRET_KEY" in out.stderr


@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_except_health_checks(client: Client, production) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/login/", HTTP_HOST="desk.example.com")
    assert response.status_code == 301
    assert response["Location"] == "https://desk.example.com/admin/login/"
    assert response["X-Request-ID"]
    assert client.get("/healthz", HTTP_HOST="desk.example.com").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.3").status_code == 200


@pytest.mark.django_db
def test_behind_the_tls_proxy_requests_are_served(client: Client, production) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/login/", HTTP_HOST="desk.example.com", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_sessions_expire() -> None:
    assert 0 < django_settings.SESSION_COOKIE_AGE <= 24 * 60 * 60


def test_one_proxy_setting_for_every_client_address() -> None:
    # Audit ips, sign-in throttling, the metrics allow-list and DRF's per-address API throttling.
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == django_settings.NUM_PROXIES
