"""The OpenAPI document and Swagger UI are served, and describe every routed endpoint."""

from __future__ import annotations

import pytest
import yaml

from supportdesk.api.urls import router

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema"])
def test_schema_lists_every_resource_with_errors(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for prefix, _, _ in router.registry:
        assert any(p.startswith("/api/" + prefix.split("/(?P")[0]) for p in paths), prefix
    ticket_list = paths["/api/tickets/"]["get"]
    assert {"assignedTo", "tag", "q", "ordering", "page", "limit", "cursor"} <= {
        p["name"] for p in ticket_list["parameters"]
    }
    assert {"400", "401", "403", "429"} <= set(ticket_list["responses"])
    assert "412" in paths["/api/tickets/{id}/"]["patch"]["responses"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs"])
def test_swagger_ui_is_served(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and b"swagger" in response.content.lower()


def test_browsable_api_works_for_a_signed_in_user(admin, client_for) -> None:
    response = client_for(admin).get("/api/tickets", headers={"Accept": "text/html"})
    assert response.status_code == 200 and b"<html" in response.content


def test_schema_generates_without_warnings(tmp_path) -> None:
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
