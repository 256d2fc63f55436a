"""Generic API test cases: a resource opts in with a few attributes and gets ~20 tests.

``url``, ``resource`` (role-matrix key), ``make(tenant)`` building one row, ``create_data(tenant)``,
``update_data`` and the expected query counts. Role cells come from ``accounts.permissions.MATRIX``,
so the matrix, the docs and these tests cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import Tenant
from accounts.permissions import MATRIX
from tests.factories import UserFactory
from tests.helpers import assert_audited

ENVELOPE_KEYS = {"total", "page", "limit", "pages", "next_cursor", "total_exact"}


def check(response: Any, status: int) -> Any:
    """Assert the status, showing the body when it is not the expected one; return the JSON body."""
    body = response.content.decode(errors="replace")[:2000]
    assert response.status_code == status, f"{response.status_code} != {status}: {body}"
    if response.status_code >= 400:
        payload = response.json()
        assert set(payload) == {"error", "details"}, payload
        return payload
    return (
        response.json()
        if response.content and response["Content-Type"].startswith("application/json")
        else None
    )


def send(client: Client, method: str, url: str, data: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if data is not None:
        kwargs.update(data=json.dumps(data), content_type="application/json")
    return getattr(client, method.lower())(url, **kwargs)


@pytest.mark.django_db
class APIResourceCases:
    url: ClassVar[str]
    resource: ClassVar[str]
    make: ClassVar[Callable[[Tenant], Any]]
    update_data: ClassVar[dict[str, Any]]
    list_queries: ClassVar[int]
    detail_queries: ClassVar[int]
    read_only: ClassVar[bool] = False

    def create_data(self, tenant: Tenant) -> dict[str, Any]:
        return {}

    def make_row(self, tenant: Tenant) -> Any:
        return type(self).make(tenant)

    def listed_ids(self, client: Client, query: str = "") -> list[str]:
        body = check(client.get(f"{self.url}?limit=100{query}"), 200)
        return [row["id"] for row in body["data"]]

    # --- list --------------------------------------------------------------------------------------
    def test_list_uses_the_envelope_and_shows_only_the_tenant(
        self, tenant, other_tenant, admin, client_for
    ) -> None:
        mine = self.make_row(tenant)
        theirs = self.make_row(other_tenant)
        client = client_for(admin)
        body = check(client.get(self.url), 200)
        assert set(body) == {"data", "pagination"}
        assert set(body["pagination"]) == ENVELOPE_KEYS
        ids = self.listed_ids(client)
        assert str(mine.pk) in ids and str(theirs.pk) not in ids
        assert body["pagination"]["total"] == len(ids)
        assert body["pagination"]["page"] == 1 and body["pagination"]["limit"] == 10

    def test_list_works_with_and_without_trailing_slash(self, admin, client_for) -> None:
        client = client_for(admin)
        assert check(client.get(self.url), 200) == check(client.get(self.url + "/"), 200)

    def test_list_query_count_does_not_grow_with_rows(
        self, tenant, admin, client_for, django_assert_num_queries
    ) -> None:
        client = client_for(admin)
        self.make_row(tenant)
        with django_assert_num_queries(self.list_queries):
            check(client.get(self.url), 200)
        for _ in range(4):
            self.make_row(tenant)
        with django_assert_num_queries(self.list_queries):
            check(client.get(self.url), 200)

    @pytest.mark.parametrize("query", ["page=0", "page=x", "limit=-1", "limit=1.5", "page=%C2%B2"])
    def test_bad_page_or_limit_is_400(self, admin, client_for, query: str) -> None:
        check(client_for(admin).get(f"{self.url}?{query}"), 400)

    def test_page_past_the_end_is_empty_and_limit_is_capped(self, tenant, admin, client_for) -> None:
        self.make_row(tenant)
        client = client_for(admin)
        body = check(client.get(f"{self.url}?page=99999999&limit=1000"), 200)
        assert body["data"] == [] and body["pagination"]["limit"] == 100

    def test_cursor_walks_every_row_once(self, tenant, admin, client_for) -> None:
        for _ in range(5):
            self.make_row(tenant)
        client = client_for(admin)
        expected = self.listed_ids(client)
        seen: list[str] = []
        body = check(client.get(f"{self.url}?limit=2"), 200)
        seen += [row["id"] for row in body["data"]]
        while body["pagination"]["next_cursor"]:
            body = check(client.get(f"{self.url}?limit=2&cursor={body['pagination']['next_cursor']}"), 200)
            seen += [row["id"] for row in body["data"]]
        assert seen == expected
        check(client.get(f"{self.url}?cursor=not-a-cursor"), 400)

    # --- detail ------------------------------------------------------------------------------------
    def test_detail_has_an_etag(self, tenant, admin, client_for, django_assert_num_queries) -> None:
        row = self.make_row(tenant)
        client = client_for(admin)
        with django_assert_num_queries(self.detail_queries):
            response = client.get(f"{self.url}/{row.pk}")
        assert check(response, 200)["id"] == str(row.pk)
        assert response["ETag"].startswith('"')
        cached = client.get(f"{self.url}/{row.pk}", headers={"If-None-Match": response["ETag"]})
        assert cached.status_code == 304 and not cached.content

    def test_other_tenants_rows_are_not_found(self, tenant, other_tenant, admin, client_for) -> None:
        theirs = self.make_row(other_tenant)
        client = client_for(admin)
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            data = None if method in ("GET", "DELETE") else {}
            status = 405 if self.read_only and method != "GET" else 404
            check(send(client, method, f"{self.url}/{theirs.pk}", data), status)
        check(client.get(f"{self.url}/not-a-uuid"), 404)

    # --- writes ------------------------------------------------------------------------------------
    def test_create_answers_201_with_the_object_and_audits(self, tenant, admin, client_for) -> None:
        if self.read_only:
            check(send(client_for(admin), "POST", self.url, {}), 405)
            return
        response = send(client_for(admin), "POST", self.url, self.create_data(tenant))
        body = check(response, 201)
        assert response["ETag"]
        assert_audited(f"{self.resource}.created", body["id"])

    def test_unknown_fields_and_wrong_types_are_400(self, tenant, admin, client_for) -> None:
        if self.read_only:
            return
        client = client_for(admin)
        body = check(send(client, "POST", self.url, {**self.create_data(tenant), "bogus": 1}), 400)
        assert "bogus" in body["details"]
        check(send(client, "POST", self.url, [1, 2]), 400)
        check(client.post(self.url, "{nope", content_type="application/json"), 400)
        check(client.post(self.url, "<x/>", content_type="application/xml"), 415)

    def test_update_with_if_match_and_stale_412(self, tenant, admin, client_for) -> None:
        if self.read_only:
            return
        row = self.make_row(tenant)
        client = client_for(admin)
        url = f"{self.url}/{row.pk}"
        etag = client.get(url)["ETag"]
        response = send(client, "PATCH", url, self.update_data, **{"If-Match": etag})
        updated = check(response, 200)
        for key, value in self.update_data.items():
            assert updated[key] == value
        assert response["ETag"] != etag
        stale = send(client, "PATCH", url, self.update_data, **{"If-Match": etag})
        check(stale, 412)
        assert stale["ETag"] == response["ETag"]
        check(send(client, "DELETE", url, None, **{"If-Match": etag}), 412)
        assert check(client.get(url), 200) == updated

    def test_delete_is_soft_then_restore(self, tenant, admin, client_for) -> None:
        if self.read_only:
            return
        row = self.make_row(tenant)
        client = client_for(admin)
        check(client.delete(f"{self.url}/{row.pk}"), 204)
        check(client.get(f"{self.url}/{row.pk}"), 404)
        assert str(row.pk) not in self.listed_ids(client)
        assert_audited(f"{self.resource}.deleted", row.pk)
        check(client.post(f"{self.url}/{row.pk}/restore"), 200)
        check(client.get(f"{self.url}/{row.pk}"), 200)

    # --- roles -------------------------------------------------------------------------------------
    @pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.AGENT])
    @pytest.mark.parametrize("action", ["view", "create", "update", "delete", "restore"])
    def test_role_cell(self, tenant, client_for, role: str, action: str) -> None:
        user = UserFactory(tenant=tenant, role=role)
        allowed = action in MATRIX[self.resource][role]
        row = self.make_row(tenant)
        client = client_for(user)
        url = f"{self.url}/{row.pk}"
        if action == "view":
            responses = [client.get(self.url), client.get(url)]
        elif action == "create":
            responses = [send(client, "POST", self.url, self.create_data(tenant))]
        elif action == "update":
            responses = [send(client, "PATCH", url, self.update_data)]
        elif action == "delete":
            responses = [client.delete(url)]
        else:
            responses = [client.post(f"{url}/restore")]
        for response in responses:
            if self.read_only and action != "view":
                check(response, 404 if action == "restore" else 405)
            elif allowed:
                assert response.status_code < 400, response.content
            else:
                check(response, 403)
