"""Catalog endpoints through the generic API cases."""

from __future__ import annotations

import pytest

from tests.api_cases import APIResourceCases, check, send
from tests.factories import CategoryFactory, SubcategoryFactory, TagFactory


class TestCategoryAPI(APIResourceCases):
    url = "/api/categories"
    resource = "category"
    make = staticmethod(lambda t: CategoryFactory(tenant=t))
    update_data = {"name": "Billing and refunds"}
    list_queries = 4  # session, user, count, page
    detail_queries = 3  # session, user, row

    def create_data(self, tenant):
        return {"name": "Billing", "description": "Money matters"}


class TestSubcategoryAPI(APIResourceCases):
    url = "/api/subcategories"
    resource = "subcategory"
    make = staticmethod(lambda t: SubcategoryFactory(category__tenant=t))
    update_data = {"name": "Refunds"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "Invoices", "category": str(CategoryFactory(tenant=tenant).pk)}

    def test_category_of_another_tenant_is_a_field_error(
        self, tenant, other_tenant, admin, client_for
    ) -> None:
        data = {"name": "X", "category": str(CategoryFactory(tenant=other_tenant).pk)}
        body = check(send(client_for(admin), "POST", self.url, data), 400)
        assert list(body["details"]) == ["category"]

    def test_filter_by_category(self, tenant, admin, client_for) -> None:
        wanted = SubcategoryFactory(category__tenant=tenant)
        SubcategoryFactory(category__tenant=tenant)
        assert self.listed_ids(client_for(admin), f"&category={wanted.category_id}") == [str(wanted.pk)]


class TestTagAPI(APIResourceCases):
    url = "/api/tags"
    resource = "tag"
    make = staticmethod(lambda t: TagFactory(tenant=t))
    update_data = {"name": "vip-renamed", "color": "#ff0000"}
    list_queries = 4
    detail_queries = 3

    def create_data(self, tenant):
        return {"name": "urgent-customer"}

    @pytest.mark.parametrize("name", ["VIP", "vip"])
    def test_duplicate_name_is_400_on_name(self, tenant, admin, client_for, name: str) -> None:
        TagFactory(tenant=tenant, name="vip")
        body = check(send(client_for(admin), "POST", self.url, {"name": name}), 400)
        assert list(body["details"]) == ["name"]

    @pytest.mark.parametrize(
        "data",
        [
            {"name": "a\x00b"},
            {"name": "x" * 5000},
            {"name": 12},
            {"name": ["a"]},
            {"name": None},
            {"color": "x" * 9},
        ],
    )
    def test_odd_input_is_400_never_500(self, admin, client_for, data) -> None:
        check(send(client_for(admin), "POST", self.url, data), 400)
