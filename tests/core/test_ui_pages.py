"""Layout-wide behaviour of the UI: CSRF on every write, static files, the 500 page."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_writes_without_a_csrf_token_are_refused(agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    for url, data in (
        (f"/tickets/{ticket.number}/fields", {"status": "open", "priority": "low"}),
        (f"/tickets/{ticket.number}/reply", {"body": "hi"}),
        ("/tickets/bulk", {"ids": [str(ticket.pk)], "status": "open"}),
        ("/tickets/new", {"subject": "x"}),
        ("/sign-out", {}),
    ):
        assert client.post(url, data).status_code == 403, url
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_pages_carry_the_csrf_token_for_htmx_and_forms(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    page = client_for(agent).get(f"/tickets/{ticket.number}").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # panel, reply, sign out


def test_static_files_are_served_by_the_app(client: Client) -> None:
    for url in ("/static/css/app.css", "/static/vendor/htmx-2.0.11.min.js", "/static/js/app.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert "cdn" not in client.get("/").content.decode().lower()


def test_500_page_renders_without_a_request_or_database() -> None:
    # Django's server_error renders 500.html with an empty context: no user, no queries.
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "Support Desk" in html
