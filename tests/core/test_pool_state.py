"""The connection pool's state: published as gauges, logged now and then, and at once when exhausted."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from supportdesk.metrics import observe_pool_state, pool_stats

pytestmark = pytest.mark.django_db


def gauge(state: str) -> float | None:
    return REGISTRY.get_sample_value("supportdesk_db_pool_connections", {"alias": "default", "state": state})


def test_the_pool_state_is_logged_and_published(settings, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    settings.POOL_LOG_INTERVAL = 0
    connection.ensure_connection()
    stats = pool_stats()
    assert stats is not None
    with caplog.at_level(logging.INFO, logger="supportdesk.db.pool"):
        observe_pool_state()
    assert gauge("max") == stats["pool_max"]
    assert f"of max {stats['pool_max']}" in caplog.text
    assert "exhausted" not in caplog.text


def test_an_exhausted_pool_is_logged_at_once(settings, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    settings.POOL_LOG_INTERVAL = 3600
    connection.ensure_connection()
    pool = connection.pool
    held = []
    try:
        while True:
            stats = pool.get_stats()
            if stats["pool_available"] == 0 and stats["pool_size"] >= stats["pool_max"]:
                break
            held.append(pool.getconn())
        with caplog.at_level(logging.INFO, logger="supportdesk.db.pool"):
            observe_pool_state()
    finally:
        for conn in held:
            pool.putconn(conn)
    [record] = [r for r in caplog.records if r.name == "supportdesk.db.pool"]
    assert record.levelno == logging.WARNING
    assert "(exhausted)" in record.getMessage()
    assert gauge("available") == 0
