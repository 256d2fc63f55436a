"""Every UI URL that names a row answers 404 for another tenant's row, like for a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import (
    AttachmentFactory,
    CategoryFactory,
    CompanyFactory,
    ContactFactory,
    ParentCompanyFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

# (method, url builder from the foreign rows)
URLS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("get", lambda r: f"/tickets/{r['ticket'].number}"),
    ("get", lambda r: f"/tickets/{r['ticket'].number}/history"),
    ("post", lambda r: f"/tickets/{r['ticket'].number}/fields"),
    ("post", lambda r: f"/tickets/{r['ticket'].number}/reply"),
    ("get", lambda r: f"/tickets/{r['ticket'].number}/attachments/{r['attachment'].pk}"),
    ("get", lambda r: f"/customers/parents/{r['parent'].pk}"),
    ("get", lambda r: f"/customers/companies/{r['company'].pk}"),
    ("get", lambda r: f"/customers/contacts/{r['contact'].pk}"),
]


@pytest.mark.parametrize(("method", "url"), URLS, ids=[f"{m} #{i}" for i, (m, _) in enumerate(URLS)])
def test_foreign_rows_are_not_found(client_for, admin, other_tenant, method: str, url) -> None:  # type: ignore[no-untyped-def]
    # The foreign ticket has number 1, and the admin's tenant has no ticket 1: a plain 404.
    ticket = TicketFactory(tenant=other_tenant, subject="Globex secret")
    rows = {
        "ticket": ticket,
        "attachment": AttachmentFactory(ticket=ticket),
        "parent": ParentCompanyFactory(tenant=other_tenant),
        "company": CompanyFactory(tenant=other_tenant),
        "contact": ContactFactory(tenant=other_tenant),
    }
    response = getattr(client_for(admin), method)(
        url(rows), {"body": "x", "status": "open", "priority": "low"}
    )
    assert response.status_code == 404, response.content.decode()[:500]
    assert "Globex secret" not in response.content.decode()


def test_foreign_attachment_under_own_ticket_number_is_not_found(
    client_for, admin, tenant, other_tenant
) -> None:  # type: ignore[no-untyped-def]
    own = TicketFactory(tenant=tenant)
    foreign = AttachmentFactory(ticket=TicketFactory(tenant=other_tenant))
    assert client_for(admin).get(f"/tickets/{own.number}/attachments/{foreign.pk}").status_code == 404


def test_foreign_ids_in_forms_are_refused(client_for, admin, tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    foreign_category = CategoryFactory(tenant=other_tenant)
    client = client_for(admin)
    response = client.post(
        f"/tickets/{ticket.number}/fields",
        {"status": "new", "priority": "medium", "category": str(foreign_category.pk)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.category_id is None
