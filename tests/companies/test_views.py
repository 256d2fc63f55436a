"""Customers: parent companies -> companies -> contacts, each with its tickets."""

from __future__ import annotations

import pytest

from tests.factories import CompanyFactory, ContactFactory, ParentCompanyFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_customer_hierarchy_with_tickets(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    parent = ParentCompanyFactory(tenant=tenant, name="Initech Holding")
    company = CompanyFactory(tenant=tenant, name="Initech", parent=parent)
    CompanyFactory(tenant=tenant, name="Loner Ltd")
    contact = ContactFactory(tenant=tenant, name="Peter Gibbons", company=company)
    TicketFactory(tenant=tenant, requester=contact, company=company, subject="TPS report cover")
    client = client_for(agent)
    page = client.get("/customers").content.decode()
    assert "Initech Holding" in page and "Initech" in page and "Loner Ltd" in page
    for url in (
        f"/customers/parents/{parent.pk}",
        f"/customers/companies/{company.pk}",
        f"/customers/contacts/{contact.pk}",
    ):
        page = client.get(url).content.decode()
        assert "TPS report cover" in page, url
    assert "Peter Gibbons" in client.get(f"/customers/companies/{company.pk}").content.decode()
    page = client.get("/customers?q=gibb").content.decode()
    assert "Peter Gibbons" in page


def test_another_tenants_customer_is_a_404(client_for, agent, other_tenant) -> None:  # type: ignore[no-untyped-def]
    company = CompanyFactory(tenant=other_tenant)
    contact = ContactFactory(tenant=other_tenant)
    client = client_for(agent)
    assert client.get(f"/customers/companies/{company.pk}").status_code == 404
    assert client.get(f"/customers/contacts/{contact.pk}").status_code == 404
