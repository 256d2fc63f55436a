"""Property-based requests against every operation of /api/schema/: the server never answers 5xx.

Kept small (a few examples per operation) so the whole file runs in seconds, not minutes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.services import api_token_create
from supportdesk.wsgi import application


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    # Like Django's test client: the WSGI calls must not close the test's transaction connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(admin) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, key = api_token_create(user=admin, actor=admin)
    return {"Authorization": f"Token {key}"}


# Loaded when the module is collected; the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Fuzzing (random examples) only: the coverage phase enumerates every boundary of every
# operation, which takes minutes; run it on demand with SCHEMATHESIS_COVERAGE=1.
schema.config.phases.coverage.enabled = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case, token_header) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=token_header, checks=[not_a_server_error])
