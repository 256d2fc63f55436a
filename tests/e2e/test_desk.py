"""The agent's day in a real browser: inbox, ticket, reply, panel, bulk, new ticket, refusals."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from accounts.choices import UserStatus
from catalog.models import Tag
from tests.e2e.conftest import screenshot
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    ContactFactory,
    SubcategoryFactory,
    TagFactory,
    TicketCommentFactory,
    TicketFactory,
    UserFactory,
)
from tickets.choices import Priority, Status
from tickets.models import Ticket, TicketComment
from tickets.services import ticket_update


def row(page: Page, ticket: Ticket):  # type: ignore[no-untyped-def]
    return page.locator(f'tr[data-row-link="/tickets/{ticket.number}"]')


def panel_change(page: Page, field: str, **option: str) -> None:
    """Change one side-panel field and wait until the saved panel is in place and live again."""
    with page.expect_response(lambda r: r.url.endswith("/fields")) as answer:
        page.get_by_label(field, exact=True).select_option(**option)
    assert answer.value.status == 200, answer.value.text()
    expect(page.locator(".panel-status")).to_have_text("Saved.")
    expect(page.locator("#ticket-panel.htmx-added, #ticket-panel.htmx-settling")).to_have_count(0)


def test_inbox_filter_and_search(page: Page, sign_in, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    company = CompanyFactory(tenant=tenant, name="Initech")
    requester = ContactFactory(tenant=tenant, name="Peter Gibbons", company=company)
    urgent = TicketFactory(
        tenant=tenant,
        subject="Server room flooded",
        priority=Priority.URGENT,
        requester=requester,
        company=company,
    )
    invoice = TicketFactory(tenant=tenant, subject="Invoice 1042 is wrong", assignee=agent)
    TagFactory(tenant=tenant, name="billing")
    TicketFactory.create_batch(3, tenant=tenant, priority=Priority.LOW)
    sign_in(agent)
    expect(row(page, urgent)).to_be_visible()
    screenshot(page, "inbox")

    page.get_by_label("Priority", exact=True).select_option("urgent")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"priority=urgent"))
    expect(row(page, urgent)).to_be_visible()
    expect(row(page, invoice)).to_have_count(0)

    page.goto("/tickets")
    page.get_by_label("Search").fill("invoices")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=invoices"))
    expect(row(page, invoice)).to_be_visible()
    expect(row(page, urgent)).to_have_count(0)

    page.reload()  # the filter state lives in the URL
    expect(page.get_by_label("Search")).to_have_value("invoices")
    page.get_by_role("link", name=re.compile("My open tickets")).click()
    expect(row(page, invoice)).to_be_visible()
    expect(page.locator('[data-count="mine"]')).to_have_text("1")


def test_open_reply_note_change_status_and_assignee_persist(page: Page, sign_in, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, subject="Printer on fire", description="Smoke everywhere")
    TicketCommentFactory(
        ticket=ticket, author_user=None, author_contact=ticket.requester, body="<b>Please</b> hurry"
    )
    sign_in(agent)
    # The keyboard opens it: j moves to the first row, Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{ticket.number}")
    expect(page.get_by_role("heading", name=f"#{ticket.number} Printer on fire")).to_be_visible()
    expect(page.get_by_text("<b>Please</b> hurry")).to_be_visible()  # markup shows as text

    page.keyboard.press("r")
    expect(page.get_by_label("Reply")).to_be_focused()
    page.get_by_label("Reply").fill("We are sending the fire brigade.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    expect(page.locator(".comment:not(.internal)", has_text="fire brigade")).to_be_visible()

    page.get_by_label("Reply").fill("Customer sounds stressed.")
    page.get_by_label("Internal note").check()
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".comment.internal", has_text="Customer sounds stressed.")).to_be_visible()

    panel_change(page, "Status", value="pending")
    panel_change(page, "Assignee", label=agent.name)
    screenshot(page, "ticket")

    page.reload()
    expect(page.get_by_label("Status")).to_have_value("pending")
    expect(page.get_by_label("Assignee")).to_have_value(str(agent.pk))
    expect(page.locator("#ticket-head [data-live-value=status]")).to_have_text("Pending")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (Status.PENDING, agent.pk)
    assert list(TicketComment.objects.filter(ticket=ticket).values_list("is_internal", flat=True)) == [
        False,
        False,
        True,
    ]

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("cell", name="ticket.updated").first).to_be_visible()


def test_optimistic_update_rolled_back_on_412(page: Page, sign_in, agent, manager, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, subject="Two cooks")
    sign_in(agent)
    page.goto(f"/tickets/{ticket.number}")
    expect(page.get_by_label("Status")).to_have_value("new")
    # Meanwhile a manager changes the ticket: the page now holds a stale version.
    ticket_update(ticket=ticket, actor=manager, data={"priority": Priority.URGENT})

    held: list[Route] = []
    page.route(f"**/tickets/{ticket.number}/fields", lambda route: held.append(route))
    page.get_by_label("Status").select_option("resolved")
    # Optimistic: the header shows the new status before the server answers ...
    badge = page.locator("#ticket-head [data-live-value=status]")
    expect(badge).to_have_text("Resolved")
    for _ in range(100):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the panel did not send the change"
    held[0].continue_()
    # ... and rolls back when the server refuses the stale version, saying what changed.
    expect(page.locator(".panel-status")).to_contain_text("Someone else changed this ticket")
    expect(page.locator(".panel-status")).to_contain_text("Max Manager: priority Medium → Urgent")
    expect(badge).to_have_text("New")
    expect(page.get_by_label("Status")).to_have_value("new")
    expect(page.get_by_label("Priority", exact=True)).to_have_value("urgent")
    screenshot(page, "ticket-stale-version")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_bulk_update(page: Page, sign_in, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    first, second, third = TicketFactory.create_batch(3, tenant=tenant)
    TagFactory(tenant=tenant, name="vip")
    sign_in(agent)
    page.get_by_label(f"Select ticket #{first.number}").check()
    page.get_by_label(f"Select ticket #{second.number}").check()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.get_by_label("Set status").select_option("pending")
    page.get_by_label("Set assignee").select_option(label=agent.name)
    page.get_by_label("Add tags").select_option(label="vip")
    page.get_by_role("button", name="Update selected").click()
    expect(page.get_by_text("Updated 2 tickets.")).to_be_visible()
    expect(row(page, first).locator(".badge.status-pending")).to_be_visible()
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee_id) == (Status.PENDING, agent.pk)
        assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
    third.refresh_from_db()
    assert third.status == Status.NEW
    assert Tag.objects.filter(tenant=tenant).count() == 1


def test_create_a_ticket(page: Page, sign_in, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    carla = ContactFactory(tenant=tenant, name="Carla Customer", email="carla@customer.example")
    ContactFactory(tenant=tenant, name="Someone Else")
    billing = SubcategoryFactory(category=CategoryFactory(tenant=tenant, name="Billing"), name="Refund")
    SubcategoryFactory(category=CategoryFactory(tenant=tenant, name="Hardware"), name="Broken screen")
    sign_in(agent)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New ticket").click()
    page.get_by_label("Requester").press_sequentially("carl", delay=30)
    page.get_by_role("button", name=re.compile("Carla Customer")).click()
    expect(page.locator("#requester-chosen")).to_contain_text("Carla Customer")
    page.get_by_label("Subject").fill("Refund for order 77")
    page.get_by_label("Description").fill("Charged twice.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Category", exact=True).select_option(label="Billing")
    expect(page.get_by_label("Subcategory").locator("option")).to_have_count(2)  # None + Refund only
    page.get_by_label("Subcategory").select_option(label="Refund")
    screenshot(page, "new-ticket")
    page.get_by_role("button", name="Create ticket").click()
    expect(page.get_by_role("heading", name=re.compile("Refund for order 77"))).to_be_visible()
    ticket = Ticket.objects.get(subject="Refund for order 77")
    assert (ticket.requester_id, ticket.priority, ticket.subcategory_id) == (carla.pk, "high", billing.pk)


def test_agent_refused_a_settings_page_and_admin_sees_it(page: Page, sign_in, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    sign_in(agent)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")).to_have_count(0)
    response = page.goto("/settings/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot(page, "forbidden")

    page.get_by_role("button", name="Sign out").click()
    admin = UserFactory(tenant=tenant, role="admin", name="Ada Admin", email="ada@acme.example")
    UserFactory(tenant=tenant, name="Iris Inactive", status=UserStatus.INACTIVE)
    sign_in(admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("cell", name="Iris Inactive", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Reactivate Iris Inactive")).to_be_visible()
    screenshot(page, "settings-users")


def test_another_tenants_ticket_is_a_404(page: Page, sign_in, agent, other_tenant) -> None:  # type: ignore[no-untyped-def]
    foreign = TicketFactory(tenant=other_tenant, subject="Globex secret plans")
    sign_in(agent)
    response = page.goto(f"/tickets/{foreign.number}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Globex secret plans")).to_have_count(0)


def test_dashboard_customers_and_audit_screenshots(page: Page, sign_in, tenant) -> None:  # type: ignore[no-untyped-def]
    manager = UserFactory(tenant=tenant, role="manager", name="Max Manager", email="max@acme.example")
    company = CompanyFactory(tenant=tenant, name="Initech")
    for n, priority in enumerate([Priority.URGENT, Priority.HIGH, Priority.MEDIUM, Priority.LOW] * 2):
        ticket = TicketFactory(
            tenant=tenant, priority=priority, company=company, subject=f"Dashboard ticket {n}"
        )
        if n % 3 == 0:
            ticket_update(ticket=ticket, actor=manager, data={"status": Status.RESOLVED})
    sign_in(manager)
    page.goto("/dashboard")
    expect(page.locator("svg.chart polyline")).to_have_count(2)
    screenshot(page, "dashboard")
    page.goto("/customers")
    page.get_by_role("link", name="Initech").click()
    expect(page.get_by_role("heading", name=re.compile("Initech"))).to_be_visible()
    screenshot(page, "customers")
    page.goto("/audit")
    expect(page.get_by_role("cell", name="ticket.updated").first).to_be_visible()
    screenshot(page, "audit-log")
