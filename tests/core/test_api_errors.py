"""Every API error is JSON {"error", "details"}: framework errors, size limits, crashes."""

from __future__ import annotations

import json

import pytest

from supportdesk.api.errors import exception_handler
from tests.api_cases import check


def test_an_unexpected_exception_is_a_json_500() -> None:
    response = exception_handler(RuntimeError("boom"), {})
    assert response is not None and response.status_code == 500
    assert set(response.data) == {"error", "details"} and "boom" not in json.dumps(response.data)


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_413(admin, client_for, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    check(client_for(admin).post("/api/tags", body, content_type="application/json"), 413)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/nope", "/api/tickets/1/nope/2", "/api/"])
def test_unknown_api_paths_are_json_404(admin, client_for, path: str) -> None:
    check(client_for(admin).get(path), 404)


@pytest.mark.django_db
def test_huge_numbers_and_odd_json_are_400(tenant, admin, client_for) -> None:
    client = client_for(admin)
    check(client.get("/api/tickets?number=1" + "0" * 40), 400)
    assert check(client.get("/api/tickets?page=1" + "0" * 40), 200)["data"] == []
    assert check(client.get("/api/tickets?limit=1" + "0" * 5000), 200)["pagination"]["limit"] == 100
    check(client.post("/api/tags", '{"name": 1e999}', content_type="application/json"), 400)
    check(client.post("/api/tags", '"just a string"', content_type="application/json"), 400)
    check(client.post("/api/tags", "\x00", content_type="application/json"), 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "status"),
    [("0561-12-04T14:55:46.15%2B18:45", 200), ("0001-01-01T00:00:00%2B05:00", 400), ("2024-02-30", 400)],
)
def test_odd_date_times_in_filters_are_never_500(admin, client_for, value: str, status: int) -> None:
    client = client_for(admin)
    check(client.get(f"/api/tickets?created_after={value}"), status)
    check(client.get(f"/api/audit-logs?created_before={value}"), status)


@pytest.mark.django_db
@pytest.mark.parametrize("due_at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "soon"])
def test_odd_date_times_in_bodies_are_400(tenant, admin, client_for, due_at: str) -> None:
    from tests.factories import ContactFactory

    body = {"subject": "x", "requester": str(ContactFactory(tenant=tenant).pk), "due_at": due_at}
    payload = check(
        client_for(admin).post("/api/tickets", json.dumps(body), content_type="application/json"), 400
    )
    assert list(payload["details"]) == ["due_at"]
