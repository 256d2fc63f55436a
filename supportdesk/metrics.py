"""Prometheus metrics: the ``/metrics`` view, scrape-time gauges and the connection pool's state.

django-prometheus provides request rate, latency histograms by view, responses by status and
database query counts and durations. This module adds what is only known at scrape time (readiness,
pending migrations, open tickets per status) and the psycopg pool's usage.

Under gunicorn every worker is a process of its own: with ``PROMETHEUS_MULTIPROC_DIR`` set, each
writes its samples to files there and a scrape of any worker aggregates them (``gunicorn.conf.py``
clears the directory at start and marks dead workers).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from supportdesk.request_context import client_address

logger = logging.getLogger("supportdesk.db.pool")

POOL_CONNECTIONS = Gauge(
    "supportdesk_db_pool_connections",
    "psycopg pool connections by state (size = open, available = idle, max = configured maximum), "
    "summed over live workers.",
    ["alias", "state"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "supportdesk_db_pool_requests_waiting",
    "Requests waiting for a pooled connection, summed over live workers.",
    ["alias"],
    multiprocess_mode="livesum",
)

_last_pool_log = 0.0


def pool_stats(alias: str = "default") -> dict[str, int] | None:
    """The psycopg pool's counters for ``alias``, or None when no pool is open (never opens one)."""
    wrapper = connections[alias]
    pool = getattr(wrapper, "_connection_pools", {}).get(alias)
    return pool.get_stats() if pool is not None else None


def observe_pool_state(alias: str = "default") -> None:
    """Publish the pool's state as gauges; log it now and then, and loudly when it is exhausted."""
    global _last_pool_log
    stats = pool_stats(alias)
    if stats is None:
        return
    size, available, maximum = stats["pool_size"], stats["pool_available"], stats["pool_max"]
    waiting = stats.get("requests_waiting", 0)
    POOL_CONNECTIONS.labels(alias, "size").set(size)
    POOL_CONNECTIONS.labels(alias, "available").set(available)
    POOL_CONNECTIONS.labels(alias, "max").set(maximum)
    POOL_WAITING.labels(alias).set(waiting)
    now = time.monotonic()
    exhausted = waiting > 0 or (available == 0 and size >= maximum)
    if exhausted or now - _last_pool_log >= settings.POOL_LOG_INTERVAL:
        _last_pool_log = now
        logger.log(
            logging.WARNING if exhausted else logging.INFO,
            "database pool %s: %d open of max %d, %d idle, %d waiting%s",
            alias,
            size,
            maximum,
            available,
            waiting,
            " (exhausted)" if exhausted else "",
        )


class ScrapeTimeCollector(Collector):
    """Gauges computed when Prometheus scrapes: readiness, pending migrations, open tickets."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from supportdesk.health import check_readiness
        from tickets.choices import OPEN_STATUSES, Status
        from tickets.models import Ticket

        readiness = check_readiness()
        yield GaugeMetricFamily(
            "supportdesk_ready",
            "1 when /readyz answers 200 (database reachable, migrations applied).",
            value=int(readiness.ready),
        )
        yield GaugeMetricFamily(
            "supportdesk_database_up",
            "1 when a direct connection to the database succeeds.",
            value=int(readiness.database),
        )
        if readiness.pending_migrations is None:
            return
        yield GaugeMetricFamily(
            "supportdesk_migrations_pending",
            "Migrations on disk not applied to the database.",
            value=readiness.pending_migrations,
        )
        if readiness.pending_migrations:
            return
        tickets = GaugeMetricFamily(
            "supportdesk_open_tickets",
            "Live tickets in a status that still needs work, all tenants.",
            labels=["status"],
        )
        try:
            # An operator's aggregate over every tenant, not a read that serves a tenant's request.
            counts = dict(
                Ticket.objects.filter(status__in=OPEN_STATUSES)
                .order_by()
                .values("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
        except DatabaseError as exc:
            logger.warning("metrics: cannot count open tickets: %s", exc)
            return
        for status in OPEN_STATUSES:
            tickets.add_metric([Status(status).value], counts.get(status, 0))
        yield tickets


def _allowed(request: HttpRequest) -> tuple[bool, int]:
    """(allowed, status to answer otherwise): a bearer token or an address on the allow-list."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True, 200
    ip = client_address(request)
    if ip and settings.METRICS_ALLOWED_IPS:
        address = ipaddress.ip_address(ip)
        if any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS):
            return True, 200
    return False, 401 if token else 403


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition, for a bearer token (METRICS_TOKEN) or allow-listed addresses."""
    allowed, status = _allowed(request)
    if not allowed:
        response = JsonResponse({"error": "Not allowed to read metrics.", "details": {}}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    scrape_registry = CollectorRegistry()
    scrape_registry.register(ScrapeTimeCollector())
    body = generate_latest(process_registry) + generate_latest(scrape_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
