"""/metrics: protected by a token or an allow-list; aggregates gunicorn workers; scrape-time gauges."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import TenantFactory, TicketFactory

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-metrics-token"


@pytest.fixture
def metrics_settings(settings):  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return settings


def scrape(client: Client, **extra: str) -> tuple[int, str]:
    response = client.get("/metrics", **extra)
    return response.status_code, response.content.decode()


def test_without_token_or_allow_list_configured_metrics_are_refused(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    status, body = scrape(client)
    assert status == 403
    assert "django_http" not in body


def test_a_wrong_or_missing_token_is_refused(client: Client, metrics_settings) -> None:  # type: ignore[no-untyped-def]
    assert scrape(client)[0] == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_token_opens_metrics(client: Client, metrics_settings) -> None:  # type: ignore[no-untyped-def]
    client.get("/healthz")
    status, body = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200, body
    assert "django_http_requests_before_middlewares_total" in body
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert "django_db_execute_total" in body


@pytest.mark.parametrize(
    ("allowed", "address", "status"),
    [
        (["10.0.0.0/8"], "10.1.2.3", 200),
        (["192.0.2.10"], "192.0.2.10", 200),
        (["10.0.0.0/8"], "203.0.113.5", 401),
    ],
)
def test_the_allow_list_takes_addresses_and_networks(
    client: Client, metrics_settings, allowed: list[str], address: str, status: int
) -> None:  # type: ignore[no-untyped-def]
    metrics_settings.METRICS_ALLOWED_IPS = allowed
    assert scrape(client, REMOTE_ADDR=address)[0] == status


def test_behind_a_proxy_the_forwarded_address_is_checked(client: Client, metrics_settings) -> None:  # type: ignore[no-untyped-def]
    metrics_settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    metrics_settings.NUM_PROXIES = 1
    assert scrape(client, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9")[0] == 200
    assert scrape(client, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")[0] == 401
    # A garbled header is no address at all: the connection's own address is checked.
    assert scrape(client, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="unknown")[0] == 401
    assert scrape(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown")[0] == 200


def test_metrics_are_not_redirected_to_https(client: Client, metrics_settings) -> None:  # type: ignore[no-untyped-def]
    metrics_settings.SECURE_SSL_REDIRECT = True
    assert scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")[0] == 200


def test_scrape_time_gauges(client: Client, metrics_settings) -> None:  # type: ignore[no-untyped-def]
    tenant, other = TenantFactory(), TenantFactory()
    TicketFactory.create_batch(2, tenant=tenant)
    TicketFactory(tenant=other, status="pending")
    client.get("/healthz")  # any request publishes the pool's state

    status, body = scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200, body
    assert "supportdesk_ready 1.0" in body
    assert "supportdesk_database_up 1.0" in body
    assert "supportdesk_migrations_pending 0.0" in body
    assert 'supportdesk_open_tickets{status="new"} 2.0' in body
    assert 'supportdesk_open_tickets{status="pending"} 1.0' in body
    assert 'supportdesk_open_tickets{status="on_hold"} 0.0' in body
    assert 'supportdesk_db_pool_connections{alias="default",state="max"}' in body
    assert 'supportdesk_db_pool_requests_waiting{alias="default"}' in body


SCRIPT = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from django.test import Client
    client = Client()
    if sys.argv[1] == "serve":
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    else:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken")
        assert response.status_code == 200, response.content
        sys.stdout.write(response.content.decode())
    """
)


def test_metrics_add_up_across_worker_processes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "METRICS_TOKEN": "t0ken",
    }

    def run(role: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, role],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    run("serve")
    run("serve")
    body = run("scrape")
    # Six health probes in two finished "workers", plus the scrape itself in a third.
    assert "django_http_requests_before_middlewares_total 7.0" in body, body


def test_queries_are_counted_by_one_cursor_class_for_every_connection() -> None:
    """Each connect asks for the connection parameters; the counting cursor class is made once."""
    from django.db import connection
    from prometheus_client import REGISTRY

    def executed() -> float:
        return (
            REGISTRY.get_sample_value("django_db_execute_total", {"alias": "default", "vendor": "postgresql"})
            or 0
        )

    first = connection.get_connection_params()["cursor_factory"]
    assert connection.get_connection_params()["cursor_factory"] is first
    before = executed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert executed() == before + 1
