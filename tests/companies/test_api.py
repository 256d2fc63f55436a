"""Customer endpoints through the generic API cases."""

from __future__ import annotations

from tests.api_cases import APIResourceCases, check, send
from tests.factories import CompanyFactory, ContactFactory, ParentCompanyFactory


class TestParentCompanyAPI(APIResourceCases):
    url = "/api/parent-companies"
    resource = "parent_company"
    make = staticmethod(lambda t: ParentCompanyFactory(tenant=t))
    update_data = {"domain": "holding.example"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "Initech Holding"}


class TestCompanyAPI(APIResourceCases):
    url = "/api/companies"
    resource = "company"
    make = staticmethod(lambda t: CompanyFactory(tenant=t))
    update_data = {"phone": "+44 20 0000 0000"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "Initech", "parent": str(ParentCompanyFactory(tenant=tenant).pk)}

    def test_filter_by_parent(self, tenant, admin, client_for) -> None:
        parent = ParentCompanyFactory(tenant=tenant)
        wanted = CompanyFactory(tenant=tenant, parent=parent)
        CompanyFactory(tenant=tenant)
        assert self.listed_ids(client_for(admin), f"&parent={parent.pk}") == [str(wanted.pk)]


class TestContactAPI(APIResourceCases):
    url = "/api/contacts"
    resource = "contact"
    make = staticmethod(lambda t: ContactFactory(tenant=t))
    update_data = {"title": "CTO"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "Peter Gibbons", "email": "peter@initech.example"}

    def test_filters_by_company_and_email(self, tenant, admin, client_for) -> None:
        company = CompanyFactory(tenant=tenant)
        wanted = ContactFactory(tenant=tenant, company=company, email="milton@initech.example")
        ContactFactory(tenant=tenant)
        client = client_for(admin)
        assert self.listed_ids(client, f"&company={company.pk}") == [str(wanted.pk)]
        assert self.listed_ids(client, "&email=MILTON@initech.example") == [str(wanted.pk)]
        check(client.get(f"{self.url}?company=not-an-id"), 400)

    def test_duplicate_email_is_400_on_email(self, tenant, admin, client_for) -> None:
        ContactFactory(tenant=tenant, email="dup@x.example")
        body = check(send(client_for(admin), "POST", self.url, {"name": "D", "email": "DUP@x.example"}), 400)
        assert list(body["details"]) == ["email"]
