"""Cached reference data and view counts: served without queries, never stale after a service write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts import services as account_services
from accounts.models import Tenant, User
from accounts.selectors import agent_choices, group_choices
from catalog import services as catalog_services
from catalog.selectors import category_choices, tag_choices, tag_ids
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    GroupFactory,
    ParentCompanyFactory,
    TagFactory,
    TicketFactory,
    TicketTagFactory,
    UserFactory,
)
from tickets import services as ticket_services
from tickets.models import Ticket
from tickets.selectors import ticket_view_counts

pytestmark = pytest.mark.django_db


def names(rows: list[Any]) -> list[str]:
    return [row.name for row in rows]


@pytest.fixture
def read_twice(django_assert_num_queries) -> Callable[[Callable[[], Any]], Any]:  # type: ignore[no-untyped-def]
    """Read once (it may query), then again: the second read must come from the cache alone."""

    def read(reader: Callable[[], Any]) -> Any:
        first = reader()
        with django_assert_num_queries(0):
            assert reader() == first
        return first

    return read


@pytest.mark.parametrize("commit", [False, True], ids=["same-transaction", "after-commit"])
def test_tag_choices_are_cached_and_fresh_after_each_kind_of_tag_write(
    tenant: Tenant, manager: User, read_twice, django_capture_on_commit_callbacks, commit: bool
) -> None:
    old = TagFactory(tenant=tenant, name="billing")
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing"]

    with django_capture_on_commit_callbacks(execute=commit):
        new = catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "vip"})
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing", "vip"]

    assert read_twice(lambda: tag_ids(tenant=tenant, name_or_id=" VIP ")) == [new.pk]
    assert tag_ids(tenant=tenant, name_or_id=str(new.pk).upper()) == [new.pk]

    with django_capture_on_commit_callbacks(execute=commit):
        catalog_services.tag_update(tag=new, actor=manager, data={"name": "gold"})
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing", "gold"]
    assert tag_ids(tenant=tenant, name_or_id="vip") == []
    assert read_twice(lambda: tag_ids(tenant=tenant, name_or_id="Gold")) == [new.pk]

    with django_capture_on_commit_callbacks(execute=commit):
        catalog_services.tag_delete(tag=old, actor=manager)
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["gold"]
    assert tag_ids(tenant=tenant, name_or_id="BILLING") == []

    with django_capture_on_commit_callbacks(execute=commit):
        catalog_services.tag_restore(tag=old, actor=manager)
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing", "gold"]
    assert tag_ids(tenant=tenant, name_or_id="BILLING") == [old.pk]


def test_category_group_and_agent_pickers_follow_service_writes(
    tenant: Tenant, admin: User, read_twice
) -> None:
    CategoryFactory(tenant=tenant, name="Hardware")
    group = GroupFactory(tenant=tenant, name="Tier 1")
    agent = UserFactory(tenant=tenant, name="Bea Agent")
    read_twice(lambda: category_choices(tenant=tenant))
    read_twice(lambda: group_choices(tenant=tenant))
    assert "Bea Agent" in names(read_twice(lambda: agent_choices(tenant=tenant)))

    catalog_services.category_create(tenant=tenant, actor=admin, data={"name": "Software"})
    account_services.group_update(group=group, actor=admin, data={"name": "Tier 2"})
    account_services.user_deactivate(user=agent, actor=admin)

    assert names(read_twice(lambda: category_choices(tenant=tenant))) == ["Hardware", "Software"]
    assert names(read_twice(lambda: group_choices(tenant=tenant))) == ["Tier 2"]
    assert "Bea Agent" not in names(read_twice(lambda: agent_choices(tenant=tenant)))


def test_cached_users_do_not_carry_password_hashes(tenant: Tenant, agent: User) -> None:
    cached_agent = next(u for u in agent_choices(tenant=tenant) if u.pk == agent.pk)
    assert "password" in cached_agent.get_deferred_fields()


def test_view_counts_are_cached_per_user_and_fresh_after_ticket_writes(
    tenant: Tenant, agent: User, manager: User, read_twice, django_capture_on_commit_callbacks
) -> None:
    ticket = TicketFactory(tenant=tenant, assignee=agent, status="open")
    TicketFactory(tenant=tenant, status="new")
    counts = read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))
    assert (counts["my_open"], counts["unassigned"], counts["all_open"]) == (1, 1, 2)
    assert read_twice(lambda: ticket_view_counts(tenant=tenant, user=manager))["my_open"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_update(ticket=ticket, actor=agent, data={"status": "resolved"})
    counts = read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))
    assert (counts["my_open"], counts["all_open"], counts["recently_solved"]) == (0, 1, 1)

    requester = TicketFactory(tenant=tenant).requester
    ticket_services.ticket_create(tenant=tenant, actor=agent, data={"subject": "New", "requester": requester})
    assert read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))["all_open"] == 3

    ticket_services.ticket_delete(ticket=ticket, actor=manager)
    assert read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))["recently_solved"] == 0


def test_a_write_in_one_tenant_leaves_the_other_tenants_cache_alone(
    tenant: Tenant, other_tenant: Tenant, manager: User, read_twice, django_assert_num_queries
) -> None:
    TagFactory(tenant=other_tenant, name="theirs")
    read_twice(lambda: tag_choices(tenant=other_tenant))
    catalog_services.tag_create(tenant=tenant, actor=manager, data={"name": "ours"})
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["ours"]
    with django_assert_num_queries(0):
        assert names(tag_choices(tenant=other_tenant)) == ["theirs"]


def count_queries(queries: list[dict[str, Any]]) -> int:
    """Totals computed: a COUNT over the tickets, or a sum of the trigger-kept (tag) counts."""
    return sum(
        'SELECT COUNT(*) AS "__count" FROM "tickets_ticket"' in q["sql"]
        or "FROM tickets_ticketcount" in q["sql"]
        or "FROM tickets_tagcount" in q["sql"]
        for q in queries
    )


def test_the_api_list_total_is_counted_once_per_filter_and_fresh_after_writes(
    tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tag = TagFactory(tenant=tenant, name="vip")
    for ticket in TicketFactory.create_batch(3, tenant=tenant, assignee=agent):
        TicketTagFactory(tenant=tenant, ticket=ticket, tag=tag)
    client = client_for(agent)

    def total(path: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, response.content
        return response.json()["pagination"]["total"], count_queries(ctx.captured_queries)

    assert total("/api/tickets?page=1&limit=2") == (3, 1)
    assert total("/api/tickets?page=2&limit=2") == (3, 0)  # another page of the same list: cached
    assert total("/api/tickets?assignedTo=me") == (3, 1)
    assert total("/api/tickets?tag=vip") == (3, 1)

    requester = TicketFactory(tenant=tenant).requester  # written around the services: not seen yet
    response = client.post(
        "/api/tickets",
        {"subject": "Printer", "requester": str(requester.pk)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert total("/api/tickets") == (5, 1)

    catalog_services.tag_delete(tag=tag, actor=manager)
    assert total("/api/tickets?tag=vip")[0] == 0

    # "me" is the signed-in user: another agent's total under the same filter is their own.
    other = UserFactory(tenant=tenant)
    client = client_for(other)
    assert total("/api/tickets?assignedTo=me") == (0, 1)


def test_totals_that_read_comments_or_update_times_are_fresh_after_a_reply(
    tenant: Tenant, agent: User, client_for
) -> None:
    import datetime

    from django.utils import timezone

    old = timezone.now() - datetime.timedelta(days=3)
    quiet = TicketFactory(tenant=tenant, subject="Printer jammed", description="Paper stuck")
    TicketFactory.create_batch(2, tenant=tenant, subject="Other", description="Nothing")
    Ticket.all_objects.filter(tenant=tenant).update(updated_at=old)
    client = client_for(agent)
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    def listed(params: dict[str, str]) -> tuple[int, list[str]]:
        body = client.get("/api/tickets", params).json()
        return body["pagination"]["total"], [row["id"] for row in body["data"]]

    assert listed({"q": "zebra"}) == (0, [])
    assert listed({"updated_after": since}) == (0, [])
    assert listed({"status": "new"})[0] == 3

    # A reply changes neither the ticket's fields nor its text, but it is found by its words and
    # it moves the ticket's update time: both totals follow at once.
    ticket_services.comment_add(ticket=quiet, actor=agent, body="A zebra chewed the paper tray")
    assert listed({"q": "zebra"}) == (1, [str(quiet.pk)])
    assert listed({"updated_after": since}) == (1, [str(quiet.pk)])
    assert listed({"status": "new"})[0] == 3


def test_writes_in_the_django_admin_leave_no_stale_cache(
    tenant: Tenant, agent: User, client_for, read_twice
) -> None:
    """The admin writes around the services; pickers, view counts and totals still follow it."""
    staff = UserFactory(tenant=tenant, is_staff=True, is_superuser=True)
    client = client_for(staff)
    billing = TagFactory(tenant=tenant, name="billing")
    ticket = TicketFactory(tenant=tenant, status="open", assignee=agent)
    TicketFactory(tenant=tenant, status="open", assignee=agent)
    TicketTagFactory(tenant=tenant, ticket=ticket, tag=billing)
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing"]
    counts = read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))
    api = client_for(agent)
    assert api.get("/api/tickets?tag=billing").json()["pagination"]["total"] == 1

    response = client.post(
        "/admin/catalog/tag/add/",
        {"tenant": tenant.pk, "name": "vip", "updated_at_0": "2026-12-03", "updated_at_1": "10:00:00"},
    )
    assert response.status_code == 302
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["billing", "vip"]

    # Deleting a ticket (the change list's bulk action) changes the counts and the totals.
    response = client.post(
        "/admin/tickets/ticket/",
        {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ticket_view_counts(tenant=tenant, user=agent) != counts
    assert api.get("/api/tickets?tag=billing").json()["pagination"]["total"] == 0
    assert api.get("/api/tickets").json()["pagination"]["total"] == 1

    response = client.post(f"/admin/catalog/tag/{billing.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert names(read_twice(lambda: tag_choices(tenant=tenant))) == ["vip"]


def test_a_delete_in_the_django_admin_drops_what_its_cascades_changed(
    tenant: Tenant, agent: User, client_for, read_twice
) -> None:
    """Deleting a row also writes the rows pointing at it (SET_NULL): their cached data follows."""
    staff = UserFactory(tenant=tenant, is_staff=True, is_superuser=True)
    client = client_for(staff)
    leaving = UserFactory(tenant=tenant, role="agent")
    holding = ParentCompanyFactory(tenant=tenant)
    company = CompanyFactory(tenant=tenant, parent=holding)
    TicketFactory.create_batch(2, tenant=tenant, status="open", assignee=leaving, company=company)
    api = client_for(agent)
    assert read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))["unassigned"] == 0
    assert api.get("/api/tickets?assignedTo=none&limit=1").json()["pagination"]["total"] == 0
    assert api.get(f"/api/tickets?parent_company={holding.pk}").json()["pagination"]["total"] == 2

    # The agent's tickets become unassigned: the inbox's view counts and the totals say so at once.
    response = client.post(f"/admin/accounts/user/{leaving.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Ticket.objects.filter(assignee__isnull=True).count() == 2
    assert read_twice(lambda: ticket_view_counts(tenant=tenant, user=agent))["unassigned"] == 2
    assert api.get("/api/tickets?assignedTo=none&limit=1").json()["pagination"]["total"] == 2

    # A parent company's companies lose their parent, and its list its tickets.
    response = client.post("/admin/companies/parentcompany/", {
        "action": "delete_selected", "_selected_action": [holding.pk], "post": "yes",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    company.refresh_from_db()
    assert company.parent_id is None
    assert api.get(f"/api/tickets?parent_company={holding.pk}&limit=1").json()["pagination"]["total"] == 0
