"""No endpoint ever reads, changes or links a row of another tenant.

Parametrised over every route and method the API router has, so a new endpoint is covered the
moment it is registered (and fails here until it has a row factory below).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from supportdesk.api.urls import router
from tests.api_cases import check, send
from tests.factories import (
    AttachmentFactory,
    AuditLogFactory,
    CategoryFactory,
    CompanyFactory,
    ContactFactory,
    DepartmentFactory,
    GroupFactory,
    ParentCompanyFactory,
    SubcategoryFactory,
    TagFactory,
    TicketCommentFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# basename -> a row of the given tenant for that endpoint.
ROWS: dict[str, Callable[[Any], Any]] = {
    "user": lambda t: UserFactory(tenant=t),
    "department": lambda t: DepartmentFactory(tenant=t),
    "group": lambda t: GroupFactory(tenant=t),
    "parent-company": lambda t: ParentCompanyFactory(tenant=t),
    "company": lambda t: CompanyFactory(tenant=t),
    "contact": lambda t: ContactFactory(tenant=t),
    "category": lambda t: CategoryFactory(tenant=t),
    "subcategory": lambda t: SubcategoryFactory(category__tenant=t),
    "tag": lambda t: TagFactory(tenant=t),
    "ticket": lambda t: TicketFactory(tenant=t),
    "audit-log": lambda t: AuditLogFactory(tenant=t),
    "token": lambda t: _token(t),
    "ticket-comment": lambda t: TicketCommentFactory(ticket__tenant=t),
    "ticket-attachment": lambda t: AttachmentFactory(ticket__tenant=t),
}


def _token(tenant: Any) -> Any:
    from accounts.services import api_token_create

    user = UserFactory(tenant=tenant)
    return api_token_create(user=user, actor=user)[0]


def _routes() -> list[tuple[str, str, str, str]]:
    found = []
    for prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            mapping = router.get_method_map(viewset, route.mapping)
            url = route.url.replace("^", "").replace("$", "").replace("{trailing_slash}", "")
            url = url.replace("{prefix}", prefix)
            for method, action in mapping.items():
                found.append((basename, "/api/" + url, method.upper(), action))
    return found


ROUTES = _routes()
DETAIL_ROUTES = [r for r in ROUTES if "{lookup}" in r[1]]
NESTED_DETAIL_ROUTES = [r for r in DETAIL_ROUTES if "ticket_pk" in r[1]]
NESTED_LIST_ROUTES = [r for r in ROUTES if "{lookup}" not in r[1] and "ticket_pk" in r[1]]
LIST_ROUTES = [r for r in ROUTES if r[3] == "list" and "ticket_pk" not in r[1]]


def _fill(url: str, row: Any, ticket_pk: Any) -> str:
    url = url.replace("(?P<ticket_pk>[^/]+)", str(ticket_pk))
    return url.replace("{lookup}", str(row.pk))


@pytest.mark.parametrize(("basename", "url", "method", "action"), DETAIL_ROUTES, ids=lambda v: str(v))
def test_rows_of_another_tenant_are_404_for_every_method(
    other_tenant, admin, client_for, basename: str, url: str, method: str, action: str
) -> None:
    row = ROWS[basename](other_tenant)
    client = client_for(admin)
    target = _fill(url, row, getattr(row, "ticket_id", None))
    data = {} if method in ("PUT", "PATCH") else None
    check(send(client, method, target, data), 404)


@pytest.mark.parametrize(("basename", "url", "method", "action"), NESTED_DETAIL_ROUTES, ids=lambda v: str(v))
def test_own_ticket_with_another_tenants_child_is_404(
    tenant, other_tenant, admin, client_for, basename: str, url: str, method: str, action: str
) -> None:
    row = ROWS[basename](other_tenant)
    target = _fill(url, row, TicketFactory(tenant=tenant).pk)
    check(send(client_for(admin), method, target, {} if method in ("PUT", "PATCH") else None), 404)


@pytest.mark.parametrize(("basename", "url", "method", "action"), NESTED_LIST_ROUTES, ids=lambda v: str(v))
def test_children_of_another_tenants_ticket_are_404(
    other_tenant, admin, client_for, basename: str, url: str, method: str, action: str
) -> None:
    target = url.replace("(?P<ticket_pk>[^/]+)", str(TicketFactory(tenant=other_tenant).pk))
    check(send(client_for(admin), method, target, {"body": "hi"} if method == "POST" else None), 404)


@pytest.mark.parametrize(("basename", "url", "method", "action"), LIST_ROUTES, ids=lambda v: str(v))
def test_lists_never_show_another_tenants_rows(
    tenant, other_tenant, admin, client_for, basename: str, url: str, method: str, action: str
) -> None:
    theirs = ROWS[basename](other_tenant)
    body = check(client_for(admin).get(url + "?limit=100"), 200)
    assert str(theirs.pk) not in json.dumps(body)


def _ticket_with_foreign(field: str, make: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def build(tenant: Any, other: Any) -> tuple[str, dict[str, Any], str]:
        body = {
            "subject": "x",
            "requester": str(ContactFactory(tenant=tenant).pk),
            field: str(make(other).pk),
        }
        return "/api/tickets", body, field

    return build


# case -> builder(tenant, other) -> (url, body, field): an id of another tenant is a 400 on that field.
FOREIGN_IDS: dict[str, Callable[[Any, Any], tuple[str, dict[str, Any], str]]] = {
    "ticket.requester": lambda t, o: (
        "/api/tickets",
        {"subject": "x", "requester": str(ContactFactory(tenant=o).pk)},
        "requester",
    ),
    **{
        f"ticket.{field}": _ticket_with_foreign(field, make)
        for field, make in {
            "assignee": lambda o: UserFactory(tenant=o),
            "company": lambda o: CompanyFactory(tenant=o),
            "group": lambda o: GroupFactory(tenant=o),
            "category": lambda o: CategoryFactory(tenant=o),
            "subcategory": lambda o: SubcategoryFactory(category__tenant=o),
            "department": lambda o: DepartmentFactory(tenant=o),
        }.items()
    },
    "ticket.tags": lambda t, o: (
        "/api/tickets",
        {
            "subject": "x",
            "requester": str(ContactFactory(tenant=t).pk),
            "tags": [str(TagFactory(tenant=o).pk)],
        },
        "tags",
    ),
    "subcategory.category": lambda t, o: (
        "/api/subcategories",
        {"name": "x", "category": str(CategoryFactory(tenant=o).pk)},
        "category",
    ),
    "company.parent": lambda t, o: (
        "/api/companies",
        {"name": "x", "parent": str(ParentCompanyFactory(tenant=o).pk)},
        "parent",
    ),
    "contact.company": lambda t, o: (
        "/api/contacts",
        {"name": "x", "company": str(CompanyFactory(tenant=o).pk)},
        "company",
    ),
    "user.department": lambda t, o: (
        "/api/users",
        {"name": "x", "email": "x@x.example", "department": str(DepartmentFactory(tenant=o).pk)},
        "department",
    ),
    "group.member_ids": lambda t, o: (
        "/api/groups",
        {"name": "x", "member_ids": [str(UserFactory(tenant=o).pk)]},
        "member_ids",
    ),
    "bulk.assignee": lambda t, o: (
        "/api/tickets/bulk",
        {"ids": [str(TicketFactory(tenant=t).pk)], "changes": {"assignee": str(UserFactory(tenant=o).pk)}},
        "changes",
    ),
}


@pytest.mark.parametrize("case", sorted(FOREIGN_IDS))
def test_an_id_of_another_tenant_in_a_body_is_400_on_that_field(
    tenant, other_tenant, admin, client_for, case: str
) -> None:
    url, body, field = FOREIGN_IDS[case](tenant, other_tenant)
    payload = check(send(client_for(admin), "POST", url, body), 400)
    assert field in payload["details"], payload
