"""Request ids: echoed or generated, in every log line of the request and in its audit entries."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import AuditLog
from supportdesk.log import CONTEXT_FIELDS, JsonFormatter, RequestContextFilter, logging_config

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.ops_urls")]

JSON_KEYS = ["time", "level", "logger", "message", *CONTEXT_FIELDS]


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Capture root log lines exactly as production writes them (filter + JSON formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_request_without_an_id_gets_a_new_one(client: Client) -> None:
    first = client.get("/nowhere")["X-Request-ID"]
    second = client.get("/nowhere")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_sane_incoming_id_is_echoed(client: Client) -> None:
    response = client.get("/nowhere", HTTP_X_REQUEST_ID="lb-7f3a:0001")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a:0001"


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "new\nline", "trailing\n", "<script>", ""])
def test_an_insane_incoming_id_is_replaced(client: Client, bad: str) -> None:
    response = client.get("/nowhere", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32


def test_the_id_is_in_every_log_line_of_the_request_and_in_its_audit_entry(
    client_for: Callable[[User], Client], agent: User, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client_for(agent).get("/touch", HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200, response.content

    entry = AuditLog.objects.get(pk=response.json()["audit"])
    assert entry.request_id == "req-42"
    assert entry.ip == "203.0.113.9"

    lines = json_log()
    assert [line["logger"] for line in lines] == ["tests.ops", "supportdesk.request"]
    for line in lines:
        assert line["request_id"] == "req-42"
        assert line["user"] == str(agent.pk)
        assert line["tenant"] == str(agent.tenant_id)
        assert (line["method"], line["path"]) == ("GET", "/touch")


def test_json_lines_have_one_shape(client: Client, json_log: Callable[[], list[dict[str, Any]]]) -> None:
    client.get("/nowhere", HTTP_X_REQUEST_ID="shape-1")
    logging.getLogger("tests.ops").warning("outside a request")

    lines = {line["logger"]: line for line in json_log()}
    access, not_found, outside = lines["supportdesk.request"], lines["django.request"], lines["tests.ops"]
    for line in (access, not_found, outside):
        assert list(line) == JSON_KEYS, line
        assert line["time"].endswith("+00:00")
    assert (access["level"], access["status"], access["request_id"]) == ("INFO", 404, "shape-1")
    assert isinstance(access["duration"], float)
    # Django logs "Not Found" after the middleware chain: the request's facts are still bound.
    assert (not_found["level"], not_found["status"], not_found["request_id"]) == ("WARNING", 404, "shape-1")
    assert not_found["path"] == "/nowhere"
    assert outside["request_id"] is None and outside["path"] is None and outside["status"] is None


def test_an_unhandled_error_is_logged_with_its_request_id(
    json_log: Callable[[], list[dict[str, Any]]],
) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom", HTTP_X_REQUEST_ID="err-1")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "err-1"
    error = next(line for line in json_log() if line["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == "err-1"
    assert "exc_info" in error


def test_slow_queries_are_logged_with_duration_and_request_id(
    client_for: Callable[[User], Client], agent: User, settings, json_log: Callable[[], list[dict[str, Any]]]
) -> None:  # type: ignore[no-untyped-def]
    settings.SLOW_QUERY_MS = 0  # every query counts as slow
    client_for(agent).get("/touch", HTTP_X_REQUEST_ID="slow-1")
    slow = [
        line
        for line in json_log()
        if line["logger"] == "supportdesk.db.slow" and line["request_id"] == "slow-1"
    ]
    assert slow, json_log()
    assert all(line["level"] == "WARNING" and line["duration"] >= 0 for line in slow)
    assert any('INSERT INTO "audit_auditlog"' in line["message"] for line in slow)


def test_queries_under_the_threshold_are_not_logged(
    client_for: Callable[[User], Client], agent: User, settings, json_log: Callable[[], list[dict[str, Any]]]
) -> None:  # type: ignore[no-untyped-def]
    settings.SLOW_QUERY_MS = 60_000
    client_for(agent).get("/touch")
    assert not [line for line in json_log() if line["logger"] == "supportdesk.db.slow"]


def test_the_log_format_is_one_setting() -> None:
    assert logging_config(log_format="json", level="INFO")["formatters"]["default"] == {
        "()": "supportdesk.log.JsonFormatter"
    }
    assert (
        "%(request_id)s" in logging_config(log_format="text", level="INFO")["formatters"]["default"]["format"]
    )
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="yaml", level="INFO")


@pytest.mark.parametrize("with_params", [False, True])
def test_slow_queries_carry_their_values_only_when_asked(
    client_for: Callable[[User], Client],
    agent: User,
    settings,
    json_log: Callable[[], list[dict[str, Any]]],
    with_params: bool,
) -> None:  # type: ignore[no-untyped-def]
    settings.SLOW_QUERY_MS = 0
    settings.SLOW_QUERY_PARAMS = with_params
    client_for(agent).get("/touch", HTTP_X_REQUEST_ID="slow-2")
    inserts = [
        line["message"]
        for line in json_log()
        if line["logger"] == "supportdesk.db.slow" and 'INSERT INTO "audit_auditlog"' in line["message"]
    ]
    assert inserts, json_log()
    # The audit row stores the request id: it is in the logged statement only as a value.
    assert any("'slow-2'" in message for message in inserts) == with_params
    assert any("%s" in message for message in inserts) != with_params  # as sent: no placeholders left
