"""The ticket pages: inbox, ticket, side panel, reply, bulk, new ticket, history, dashboard."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    AttachmentFactory,
    AuditLogFactory,
    CategoryFactory,
    CompanyFactory,
    ContactFactory,
    GroupFactory,
    SubcategoryFactory,
    TagFactory,
    TicketCommentFactory,
    TicketFactory,
    TicketTagFactory,
    UserFactory,
)
from tests.helpers import assert_audited
from tickets import reports
from tickets.choices import OPEN_STATUSES, Priority, Status
from tickets.models import Ticket, TicketComment
from tickets.selectors import ticket_etag, ticket_list
from tickets.services import ticket_update

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)"><b>bold</b>'


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def ok(response, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, html(response)[:3000]
    return html(response)


# --- Inbox ----------------------------------------------------------------------------------------


def test_inbox_lists_only_the_tenants_tickets_with_the_table_columns(
    client_for, agent, tenant, other_tenant
) -> None:  # type: ignore[no-untyped-def]
    mine = TicketFactory(tenant=tenant, subject="Printer on fire", assignee=agent)
    TicketFactory(tenant=other_tenant, subject="Globex secret")
    page = ok(client_for(agent).get("/tickets"))
    assert "Printer on fire" in page
    assert f'href="/tickets/{mine.number}"' in page
    assert "Globex secret" not in page
    for heading in ("Subject", "Requester", "Company", "Status", "Priority", "Assignee", "Updated"):
        assert heading in page
    assert 'aria-label="Main"' in page


def test_inbox_filters_live_in_the_url(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory(tenant=tenant, subject="Urgent mine", priority=Priority.URGENT, assignee=agent)
    TicketFactory(tenant=tenant, subject="Low unassigned", priority=Priority.LOW)
    TicketFactory(tenant=tenant, subject="Solved one", status=Status.RESOLVED, resolved_at=timezone.now())
    client = client_for(agent)

    page = ok(client.get("/tickets?priority=urgent"))
    assert "Urgent mine" in page and "Low unassigned" not in page
    page = ok(client.get("/tickets?assignee=none"))
    assert "Low unassigned" in page and "Urgent mine" not in page
    page = ok(client.get("/tickets?view=mine"))
    assert "Urgent mine" in page and "Low unassigned" not in page
    page = ok(client.get("/tickets?view=solved"))
    assert "Solved one" in page and "Urgent mine" not in page
    page = ok(client.get("/tickets"))  # the default view: all open
    assert "Solved one" not in page and "Urgent mine" in page


def test_inbox_full_text_search_over_subject_and_comments(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory(tenant=tenant, subject="Invoice missing")
    other = TicketFactory(tenant=tenant, subject="Something else")
    TicketCommentFactory(ticket=other, body="the router keeps rebooting")
    TicketFactory(tenant=tenant, subject="Unrelated")
    client = client_for(agent)
    page = ok(client.get("/tickets?q=invoices"))
    assert "Invoice missing" in page and "Unrelated" not in page
    page = ok(client.get("/tickets?q=router"))
    assert "Something else" in page and "Invoice missing" not in page


def test_inbox_sidebar_counts(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory.create_batch(2, tenant=tenant, assignee=agent)
    TicketFactory(tenant=tenant)
    page = ok(client_for(agent).get("/tickets"))
    assert 'data-count="mine">2<' in page
    assert 'data-count="unassigned">1<' in page
    assert 'data-count="open">3<' in page
    assert 'data-count="solved">0<' in page


def test_inbox_sorts_by_priority_and_links_reverse_the_order(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory(tenant=tenant, subject="Low one", priority=Priority.LOW)
    TicketFactory(tenant=tenant, subject="Urgent one", priority=Priority.URGENT)
    TicketFactory(tenant=tenant, subject="High one", priority=Priority.HIGH)
    client = client_for(agent)
    page = ok(client.get("/tickets?view=open&ordering=-priority"))
    assert page.index("Urgent one") < page.index("High one") < page.index("Low one")
    assert 'aria-sort="descending"' in page
    assert "ordering=priority" in page  # the column link now sorts the other way
    page = ok(client.get("/tickets?view=open&ordering=priority"))
    assert page.index("Low one") < page.index("High one") < page.index("Urgent one")


def test_inbox_pages_by_reading_one_row_more_than_the_page(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory.create_batch(26, tenant=tenant)
    client = client_for(agent)
    page = ok(client.get("/tickets?view=open&ordering=number"))
    assert page.count('name="ids"') == 25
    assert "page=2" in page and 'rel="next"' in page
    page = ok(client.get("/tickets?view=open&ordering=number&page=2"))
    assert page.count('name="ids"') == 1
    assert 'rel="next"' not in page and 'rel="prev"' in page


def test_inbox_bad_filter_value_is_shown_not_a_500(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    page = ok(client_for(agent).get("/tickets?status=exploded"))
    assert 'role="alert"' in page
    assert "exploded" in page


@pytest.mark.parametrize(("rows", "short"), [(1, True), (20, True), (30, False)])
def test_inbox_query_count_does_not_grow_with_rows(
    client_for, agent, tenant, rows, short, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    tags = TagFactory.create_batch(2, tenant=tenant)
    for ticket in TicketFactory.create_batch(rows, tenant=tenant, assignee=agent):
        TicketTagFactory(ticket=ticket, tag=tags[0])
    client = client_for(agent)
    # session, user, the list's total (from the kept counts), tickets page, their tags, view counts
    # (the open views from the kept counts, "recently solved" from its index), and the choices the
    # filters and the bulk bar share: agents, groups, categories, tags. (The tenant comes from
    # user.tenant_id.) The page is read in written join order: a savepoint, the setting, the
    # setting put back, release. A page that reaches the end of the list reads its ids first. The
    # list's total is counted with the snapshot it saw (tickets.arrivals).
    with django_assert_num_queries(11 + 4 + short + 1):
        ok(client.get("/tickets"))


def listed_ids(page: str) -> list[str]:
    return re.findall(r'name="ids" value="([0-9a-f-]+)"', page)


def test_inbox_pages_that_reach_the_end_of_a_short_list_keep_its_order(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    # The last page of a short list is found whole and sorted (ids first, then their rows), not
    # read along an index: the same tickets in the same order as the whole list read at once.
    team, tag = GroupFactory(tenant=tenant), TagFactory(tenant=tenant, name="vip")
    for i in range(30):
        ticket = TicketFactory(tenant=tenant, group=team, priority=("high", "low", "urgent")[i % 3])
        TicketTagFactory(ticket=ticket, tag=tag)
    TicketFactory.create_batch(3, tenant=tenant)  # not in the list
    client = client_for(agent)
    for ordering in ("-priority", "number", "-updated_at"):
        query = f"group={team.pk}&tag=vip&ordering={ordering}"
        shown = [i for page in (1, 2) for i in listed_ids(ok(client.get(f"/tickets?{query}&page={page}")))]
        filters = {"group": str(team.pk), "tag": "vip", "ordering": ordering}
        expected = [str(t.pk) for t in ticket_list(tenant=tenant, user=agent, filters=filters)]
        assert len(shown) == 30 and shown == expected, ordering
    assert listed_ids(ok(client.get(f"/tickets?group={team.pk}&tag=vip&page=3"))) == []


def test_inbox_needs_sign_in(client: Client) -> None:
    response = client.get("/tickets?view=mine")
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=/tickets")


# --- Ticket page ----------------------------------------------------------------------------------


def test_ticket_page_shows_header_thread_and_internal_notes_apart(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, subject="Printer on fire", priority=Priority.HIGH)
    TicketCommentFactory(ticket=ticket, author_user=agent, body="Public answer")
    TicketCommentFactory(ticket=ticket, author_user=agent, body="Just between us", is_internal=True)
    page = ok(client_for(agent).get(f"/tickets/{ticket.number}"))
    assert f"#{ticket.number} Printer on fire" in page
    assert ticket.requester.name in page
    assert page.index("Public answer") < page.index("Just between us")
    assert 'class="comment internal"' in page and "Internal note" in page
    assert '<label for="reply-body">Reply</label>' in page
    assert ">Send reply</button>" in page
    for label in ("Status", "Priority", "Assignee", "Group", "Category", "Subcategory", "Tags"):
        assert f'<label for="p-{label.lower()}">{label}</label>' in page
    assert ticket_etag(ticket) in page.replace("&quot;", '"')


def test_hostile_comment_body_is_rendered_inert(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, description=HOSTILE)
    TicketCommentFactory(ticket=ticket, body=HOSTILE, author_user=None, author_contact=ticket.requester)
    page = ok(client_for(agent).get(f"/tickets/{ticket.number}"))
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_another_tenants_ticket_is_a_404_page(client_for, agent, other_tenant) -> None:  # type: ignore[no-untyped-def]
    foreign = TicketFactory(tenant=other_tenant, subject="Globex secret")
    client = client_for(agent)
    for url in (
        f"/tickets/{foreign.number}",
        f"/tickets/{foreign.number}/history",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Globex secret" not in html(response)
        assert "Not found" in html(response)
    response = client.post(f"/tickets/{foreign.number}/fields", {"status": "open", "priority": "low"})
    assert response.status_code == 404
    response = client.post(f"/tickets/{foreign.number}/reply", {"body": "hi"})
    assert response.status_code == 404


@pytest.mark.parametrize("comments", [1, 10])
def test_ticket_page_query_count_does_not_grow_with_the_thread(
    client_for, agent, tenant, comments, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, category=CategoryFactory(tenant=tenant))
    TicketTagFactory(ticket=ticket)
    for comment in TicketCommentFactory.create_batch(comments, ticket=ticket):
        AttachmentFactory(ticket=ticket, comment=comment)
    client = client_for(agent)
    # session, user, ticket (+ tags), thread (+ attachments), loose attachments,
    # panel choices (agents, groups, categories, subcategories, tags); the ticket in written join
    # order: a savepoint, the setting, the setting put back, release.
    with django_assert_num_queries(12 + 4):
        ok(client.get(f"/tickets/{ticket.number}"))


# --- Side panel -----------------------------------------------------------------------------------


def panel_post(client: Client, ticket: Ticket, **changes: str):  # type: ignore[no-untyped-def]
    data = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": str(ticket.assignee_id or ""),
        "group": str(ticket.group_id or ""),
        "category": str(ticket.category_id or ""),
        "subcategory": str(ticket.subcategory_id or ""),
        "if_match": ticket_etag(ticket),
        "seen_at": ticket.updated_at.isoformat(),
        **changes,
    }
    return client.post(f"/tickets/{ticket.number}/fields", data, headers={"HX-Request": "true"})


def test_panel_saves_status_and_assignee_through_the_service(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    page = ok(panel_post(client_for(agent), ticket, status="pending", assignee=str(agent.pk)))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (Status.PENDING, agent.pk)
    assert "Saved." in page
    assert 'id="ticket-head" hx-swap-oob="true"' in page
    assert_audited("ticket.updated", ticket.pk, status=("new", "pending"))


def test_panel_stale_version_is_412_with_what_changed_and_the_current_state(
    client_for, agent, manager, tenant
) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    seen = Ticket.objects.get(pk=ticket.pk)
    ticket_update(ticket=ticket, actor=manager, data={"priority": Priority.URGENT, "assignee": agent})
    response = panel_post(client_for(agent), seen, status="open")
    page = ok(response, 412)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # nothing of the stale change was written
    assert "Someone else changed this ticket" in page
    assert "Max Manager: priority Medium → Urgent" in page
    assert "Max Manager: assignee — → Alex Agent" in page  # ids shown by name
    assert '<option value="urgent" selected>' in page  # the panel shows the server's state


def test_stale_version_lists_only_changes_made_after_the_page_was_shown(
    client_for, agent, manager, admin, tenant
) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    ticket_update(ticket=ticket, actor=admin, data={"priority": Priority.LOW})  # seen by the page
    client = client_for(agent)
    page = ok(client.get(f"/tickets/{ticket.number}"))
    etag = re.search(r'name="if_match" value="([^"]+)"', page).group(1).replace("&quot;", '"')  # type: ignore[union-attr]
    seen_at = re.search(r'name="seen_at" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ticket_update(ticket=ticket, actor=manager, data={"priority": Priority.HIGH})
    response = client.post(
        f"/tickets/{ticket.number}/fields",
        {"status": "open", "priority": "low", "if_match": etag, "seen_at": seen_at},
        headers={"HX-Request": "true"},
    )
    page = ok(response, 412)
    assert "Max Manager: priority Low → High" in page
    assert "Ada Admin: priority" not in page


def test_panel_stale_version_with_a_garbled_timestamp_still_answers_412(
    client_for, agent, manager, tenant
) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    seen = Ticket.objects.get(pk=ticket.pk)
    ticket_update(ticket=ticket, actor=manager, data={"priority": Priority.URGENT})
    page = ok(panel_post(client_for(agent), seen, status="open", seen_at="yesterday-ish"), 412)
    assert "Someone else changed this ticket" in page


def test_panel_without_javascript_redirects_with_a_message(client_for, agent, manager, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    client = client_for(agent)
    data = {"status": "open", "priority": "medium", "if_match": ticket_etag(ticket)}
    response = client.post(f"/tickets/{ticket.number}/fields", data)
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    response = client.post(f"/tickets/{ticket.number}/fields", {**data, "status": "pending"}, follow=True)
    page = ok(response)
    assert "Someone else changed this ticket" in page  # the ETag above is stale now
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_panel_refusal_is_400_and_keeps_the_ticket(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    inactive = UserFactory(tenant=tenant, status="inactive")
    page = ok(panel_post(client_for(agent), ticket, status="bogus", assignee=str(inactive.pk)), 400)
    assert "The change was not saved." in page
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_panel_category_change_narrows_subcategories(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    old_sub = SubcategoryFactory(category=CategoryFactory(tenant=tenant))
    ticket = TicketFactory(tenant=tenant, category=old_sub.category, subcategory=old_sub)
    new_sub = SubcategoryFactory(category=CategoryFactory(tenant=tenant), name="Refund")
    page = ok(panel_post(client_for(agent), ticket, category=str(new_sub.category_id)))
    ticket.refresh_from_db()
    assert (ticket.category_id, ticket.subcategory_id) == (new_sub.category_id, None)
    assert "Refund" in page and old_sub.name not in page


# --- Reply ----------------------------------------------------------------------------------------


def test_reply_with_attachment_and_internal_note(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    client = client_for(agent)
    upload = SimpleUploadedFile("log.txt", b"boom\n", content_type="text/plain")
    response = client.post(f"/tickets/{ticket.number}/reply", {"body": "We are on it", "files": [upload]})
    assert response.status_code == 302, html(response)
    response = client.post(
        f"/tickets/{ticket.number}/reply", {"body": "Customer is grumpy", "is_internal": "on"}
    )
    assert response.status_code == 302
    reply, note = TicketComment.objects.filter(ticket=ticket).order_by("created_at")
    assert (reply.is_internal, note.is_internal) == (False, True)
    assert reply.attachments.get().original_filename == "log.txt"
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    page = ok(client.get(f"/tickets/{ticket.number}"))
    attachment = reply.attachments.get()
    download = client.get(f"/tickets/{ticket.number}/attachments/{attachment.pk}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"boom\n"
    assert "log.txt" in page


def test_empty_reply_is_refused_on_the_page(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    page = ok(client_for(agent).post(f"/tickets/{ticket.number}/reply", {"body": "   "}), 400)
    assert "A comment needs a body." in page
    assert not TicketComment.objects.filter(ticket=ticket).exists()


# --- Bulk -----------------------------------------------------------------------------------------


def test_bulk_update_changes_every_selected_ticket(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    a, b, untouched = TicketFactory.create_batch(3, tenant=tenant)
    tag = TagFactory(tenant=tenant, name="vip")
    client = client_for(agent)
    response = client.post(
        "/tickets/bulk",
        {
            "ids": [str(a.pk), str(b.pk)],
            "status": "pending",
            "assignee": str(agent.pk),
            "priority": "",
            "add_tags": [str(tag.pk)],
            "next": "/tickets?view=open",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets?view=open"
    for ticket in (a, b):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee_id) == (Status.PENDING, agent.pk)
        assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
    untouched.refresh_from_db()
    assert untouched.status == Status.NEW
    assert "Updated 2 tickets." in ok(client.get("/tickets?view=open"))


def test_bulk_update_of_a_foreign_ticket_changes_nothing(client_for, agent, tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    mine = TicketFactory(tenant=tenant)
    foreign = TicketFactory(tenant=other_tenant)
    client = client_for(agent)
    client.post("/tickets/bulk", {"ids": [str(mine.pk), str(foreign.pk)], "status": "open"})
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert (mine.status, foreign.status) == (Status.NEW, Status.NEW)
    assert "Ticket not found." in ok(client.get("/tickets"))


# --- New ticket -----------------------------------------------------------------------------------


def test_create_ticket(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    contact = ContactFactory(tenant=tenant, name="Carla Customer")
    sub = SubcategoryFactory(category=CategoryFactory(tenant=tenant))
    client = client_for(agent)
    page = ok(client.get("/tickets/new"))
    assert '<label for="requester-search">Requester</label>' in page
    response = client.post(
        "/tickets/new",
        {
            "requester": str(contact.pk),
            "subject": "Cannot log in",
            "description": "Since Monday",
            "priority": "high",
            "channel": "phone",
            "category": str(sub.category_id),
            "subcategory": str(sub.pk),
        },
    )
    assert response.status_code == 302, html(response)
    ticket = Ticket.objects.get(subject="Cannot log in")
    assert response["Location"] == f"/tickets/{ticket.number}"
    assert (ticket.requester_id, ticket.priority, ticket.subcategory_id) == (contact.pk, "high", sub.pk)
    assert_audited("ticket.created", ticket.pk)


def test_create_ticket_needs_a_requester(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    page = ok(
        client_for(agent).post("/tickets/new", {"subject": "x", "priority": "low", "channel": "web"}), 400
    )
    assert "Choose a requester." in page


def test_requester_search_finds_contacts_of_the_tenant_only(client_for, agent, tenant, other_tenant) -> None:  # type: ignore[no-untyped-def]
    ContactFactory(tenant=tenant, name="Carla Customer")
    ContactFactory(tenant=other_tenant, name="Carl Foreign")
    page = ok(client_for(agent).get("/tickets/requesters?requester_search=carl"))
    assert "Carla Customer" in page and "Carl Foreign" not in page


def test_subcategory_options_narrow_to_the_category(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    wanted = SubcategoryFactory(category=CategoryFactory(tenant=tenant), name="Refund")
    SubcategoryFactory(category=CategoryFactory(tenant=tenant), name="Outage")
    client = client_for(agent)
    page = ok(client.get(f"/tickets/subcategories?category={wanted.category_id}"))
    assert "Refund" in page and "Outage" not in page
    assert "Outage" not in ok(client.get("/tickets/subcategories?category=nonsense"))


# --- History and dashboard ------------------------------------------------------------------------


def test_history_lists_the_tickets_audit_entries(client_for, agent, manager, tenant) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant)
    ticket_update(ticket=ticket, actor=manager, data={"status": Status.PENDING})
    AuditLogFactory(tenant=tenant, entity_id="someone-else", action="ticket.deleted")
    page = ok(client_for(agent).get(f"/tickets/{ticket.number}/history"))
    assert "ticket.updated" in page and "Max Manager" in page
    assert "ticket.deleted" not in page


@pytest.mark.parametrize("rows", [1, 15])
def test_dashboard_counts_chart_and_oldest(
    client_for, agent, tenant, rows, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    TicketFactory.create_batch(rows, tenant=tenant, priority=Priority.URGENT)
    TicketFactory(
        tenant=tenant,
        status=Status.RESOLVED,
        resolved_at=timezone.now(),
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    client = client_for(agent)
    # session, user, open summary, created per day, resolved per day, oldest open.
    with django_assert_num_queries(6):
        page = ok(client.get("/dashboard"))
    assert "<svg" in page and "<polyline" in page
    assert f'<a href="/tickets?priority=urgent">Urgent</a></th><td class="num">{rows}</td>' in page
    assert f"Created ({rows + 1})" in page and "Resolved (1)" in page


def test_dashboard_summary_counts_the_live_open_tickets(tenant, agent, other_tenant) -> None:  # type: ignore[no-untyped-def]
    TicketFactory.create_batch(2, tenant=tenant, status=Status.NEW, priority=Priority.HIGH)
    TicketFactory(tenant=tenant, status=Status.PENDING, priority=Priority.LOW, assignee=agent)
    TicketFactory(tenant=tenant, status=Status.ON_HOLD, priority=Priority.HIGH, assignee=agent)
    TicketFactory(tenant=tenant, status=Status.OPEN, priority=Priority.URGENT, is_deleted=True)
    TicketFactory(tenant=tenant, status=Status.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now())
    TicketFactory(tenant=other_tenant, status=Status.NEW)
    moved = TicketFactory(tenant=tenant, status=Status.OPEN, priority=Priority.URGENT)
    ticket_update(ticket=moved, actor=agent, data={"status": Status.RESOLVED, "assignee": agent})
    summary = reports.open_summary(tenant=tenant)
    live_open = Ticket.objects.filter(tenant=tenant, is_deleted=False, status__in=OPEN_STATUSES)
    assert summary.total == live_open.count() == 4
    assert [(s, n) for s, _, n in summary.by_status] == [
        (s.value, live_open.filter(status=s).count()) for s in OPEN_STATUSES
    ]
    assert {p: n for p, _, n in summary.by_priority} == {
        p.value: live_open.filter(priority=p).count() for p in Priority
    }
    assert summary.unassigned == live_open.filter(assignee__isnull=True).count() == 2


@pytest.mark.parametrize("raw", ["abc", "0", "-3", ""])
def test_inbox_with_a_nonsense_page_shows_the_first_page(client_for, agent, tenant, raw) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(tenant=tenant, status="open")
    page = ok(client_for(agent).get(f"/tickets?page={raw}"))
    assert f"/tickets/{ticket.number}" in page


def test_the_inbox_reads_only_what_its_rows_show(client_for, agent, tenant) -> None:  # type: ignore[no-untyped-def]
    company = CompanyFactory(tenant=tenant, name="Initech")
    TicketFactory(tenant=tenant, assignee=agent, company=company, description="A long story " * 200)
    with CaptureQueriesContext(connection) as ctx:
        page = ok(client_for(agent).get("/tickets"))
    assert "Initech" in page and agent.name in page
    listed = [
        q["sql"] for q in ctx.captured_queries if 'FROM "tickets_ticket"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    assert len(listed) == 1, listed
    assert '"tickets_ticket"."description"' not in listed[0]
    for unused in ("accounts_group", "catalog_category", "catalog_subcategory", "accounts_department"):
        assert unused not in listed[0], unused
