"""Ticket endpoints: generic cases, every filter, ordering, search, bulk, comments, attachments."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone

from catalog import services as catalog_services
from supportdesk.api import pagination
from tests.api_cases import APIResourceCases, check, send
from tests.factories import (
    AttachmentFactory,
    CompanyFactory,
    ContactFactory,
    DepartmentFactory,
    GroupFactory,
    ParentCompanyFactory,
    SubcategoryFactory,
    TagFactory,
    TicketCommentFactory,
    TicketFactory,
    TicketTagFactory,
    UserFactory,
)
from tickets.models import Ticket
from tickets.selectors import ticket_list


class TestTicketAPI(APIResourceCases):
    url = "/api/tickets"
    resource = "ticket"
    make = staticmethod(lambda t: TicketTagFactory(ticket__tenant=t).ticket)
    update_data = {"priority": "urgent", "status": "open"}
    list_queries = 5  # session, user, the snapshot the count saw (tickets.arrivals), count, page
    detail_queries = 3  # session, user, the row (with its tag ids)

    def create_data(self, tenant):
        return {"subject": "Printer on fire", "requester": str(ContactFactory(tenant=tenant).pk)}


def ids(body) -> list[str]:
    return [row["id"] for row in body["data"]]


def reforged(cursor: str, change) -> str:
    """``cursor`` with its payload changed by ``change`` (a client tampering with it)."""
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    change(payload)
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.django_db
class TestTicketFilters:
    def listed(self, client, query: str) -> set[str]:
        return set(ids(check(client.get(f"/api/tickets?limit=100&{query}"), 200)))

    def test_every_filter_selects_its_tickets(self, tenant, agent, client_for) -> None:
        parent = ParentCompanyFactory(tenant=tenant)
        company = CompanyFactory(tenant=tenant, parent=parent)
        sub = SubcategoryFactory(category__tenant=tenant)
        group, department = GroupFactory(tenant=tenant), DepartmentFactory(tenant=tenant)
        now = timezone.now()
        hit = TicketFactory(
            tenant=tenant,
            status="pending",
            priority="high",
            assignee=agent,
            company=company,
            group=group,
            category=sub.category,
            subcategory=sub,
            department=department,
            channel="email",
            due_at=now - datetime.timedelta(days=1),
        )
        miss = TicketFactory(tenant=tenant, due_at=now + datetime.timedelta(days=3))
        client = client_for(agent)
        cases = {
            "status=pending": hit,
            "status=pending,open": hit,
            "priority=high": hit,
            "assignedTo=me": hit,
            f"assignedTo={agent.pk}": hit,
            "assignee=me": hit,
            "assignedTo=none": miss,
            f"requester={miss.requester_id}": miss,
            f"company={company.pk}": hit,
            f"parent_company={parent.pk}": hit,
            f"group={group.pk}": hit,
            f"category={sub.category_id}": hit,
            f"subcategory={sub.pk}": hit,
            f"department={department.pk}": hit,
            "channel=email": hit,
            f"number={hit.number}": hit,
            f"number=%23{miss.number}": miss,
            f"due_before={now.isoformat().replace('+', '%2B')}": hit,
            f"due_after={now.isoformat().replace('+', '%2B')}": miss,
        }
        for query, expected in cases.items():
            assert self.listed(client, query) == {str(expected.pk)}, query
        assert self.listed(client, "created_after=2000-01-01") == {str(hit.pk), str(miss.pk)}
        assert self.listed(client, "created_before=2000-01-01") == set()
        assert self.listed(client, "updated_before=2000-01-01") == set()

    def test_tag_filter_by_name_or_id_requires_all(self, tenant, agent, client_for) -> None:
        vip, billing = TagFactory(tenant=tenant, name="VIP"), TagFactory(tenant=tenant, name="billing")
        both = TicketTagFactory(ticket__tenant=tenant, tag=vip).ticket
        TicketTagFactory(ticket=both, tenant=tenant, tag=billing)
        only_vip = TicketTagFactory(ticket__tenant=tenant, tag=vip).ticket
        client = client_for(agent)
        assert self.listed(client, "tag=vip") == {str(both.pk), str(only_vip.pk)}
        assert self.listed(client, f"tag=vip&tag={billing.pk}") == {str(both.pk)}

    def test_listed_tags_are_the_live_ones_by_name_on_every_page_shape(
        self, tenant, agent, admin, client_for, monkeypatch
    ) -> None:
        tagged = TicketFactory(tenant=tenant, created_at=timezone.now() - datetime.timedelta(days=1))
        tags = {n: TagFactory(tenant=tenant, name=n) for n in ("zebra", "Alpha", "mid", "gone")}
        for tag in tags.values():
            TicketTagFactory(ticket=tagged, tenant=tenant, tag=tag)
        catalog_services.tag_delete(tag=tags["gone"], actor=admin)
        TicketFactory.create_batch(2, tenant=tenant)
        by_name = [str(tags[n].pk) for n in ("Alpha", "mid", "zebra")]
        client = client_for(agent)
        assert check(client.get(f"/api/tickets/{tagged.pk}"), 200)["tags"] == by_name
        # The first page, a tag-filtered page, a cursor page and a deep page (read by id first).
        first = check(client.get("/api/tickets?ordering=created_at&limit=1"), 200)
        pages = [first, check(client.get(f"/api/tickets?tag={tags['mid'].pk}"), 200)]
        cursor = check(client.get("/api/tickets?limit=2"), 200)["pagination"]["next_cursor"]
        pages.append(check(client.get(f"/api/tickets?limit=2&cursor={cursor}"), 200))
        monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 1)
        pages.append(check(client.get("/api/tickets?limit=1&page=3"), 200))
        rows = [row for page in pages for row in page["data"]]
        assert [row["tags"] for row in rows if row["id"] == str(tagged.pk)] == [by_name] * 4
        assert {tuple(row["tags"]) for row in rows if row["id"] != str(tagged.pk)} <= {()}

    @pytest.mark.parametrize(
        "query",
        [
            "status=bogus",
            "priority=low,nope",
            "assignedTo=someone",
            "company=123",
            "number=99999999999999",
            "created_after=yesterday",
            "ordering=subject",
            "q=a%00b",
            "channel=fax",
        ],
    )
    def test_unknown_values_are_400_naming_the_filter(self, agent, client_for, query: str) -> None:
        body = check(client_for(agent).get(f"/api/tickets?{query}"), 400)
        assert query.split("=")[0] in body["details"], body

    def test_ordering_by_priority_is_by_severity(self, tenant, agent, client_for) -> None:
        for priority in ("low", "urgent", "medium", "high"):
            TicketFactory(tenant=tenant, priority=priority)
        client = client_for(agent)
        body = check(client.get("/api/tickets?ordering=-priority"), 200)
        assert [row["priority"] for row in body["data"]] == ["urgent", "high", "medium", "low"]
        body = check(client.get("/api/tickets?ordering=priority,-created_at"), 200)
        assert [row["priority"] for row in body["data"]] == ["low", "medium", "high", "urgent"]

    def test_every_ordering_reads_the_same_by_cursor_by_page_and_whole_with_ties_and_nulls(
        self, tenant, agent, client_for
    ) -> None:
        now = timezone.now()
        # Ties on every sorted column but number (two priorities, two statuses, one updated_at for
        # three tickets), so the id that breaks them is part of every cursor.
        for i, days in enumerate((None, 2, None, 1, 3, 2, None)):
            TicketFactory(
                tenant=tenant,
                due_at=None if days is None else now + datetime.timedelta(days=days),
                priority=("high", "low")[i % 2],
                status=("open", "pending")[i % 3 == 0],
            )
        Ticket.objects.filter(tenant=tenant, number__lte=3).update(updated_at=now)
        client = client_for(agent)
        columns = ("created_at", "updated_at", "priority", "status", "number", "due_at")
        orderings = (*(f"{way}{name}" for name in columns for way in ("", "-")), "status,-updated_at")
        for ordering in (*orderings, "priority,-due_at"):
            url = f"/api/tickets?ordering={ordering}"
            first = check(client.get(f"{url}&limit=2"), 200)
            walked, body = ids(first), first
            while body["pagination"]["next_cursor"]:
                body = check(client.get(f"{url}&limit=2&cursor={body['pagination']['next_cursor']}"), 200)
                walked += ids(body)
            assert len(walked) == 7, ordering
            # A page that reaches the end of a short list is found whole and sorted, not read along
            # an index (EnvelopePagination): by page number, by a cursor whose page holds the rest,
            # and whole, the same rows in the same order as the cursor two at a time.
            by_page = [
                i for page in (1, 2, 3) for i in ids(check(client.get(f"{url}&limit=3&page={page}"), 200))
            ]
            assert by_page == walked, ordering
            rest = check(client.get(f"{url}&limit=10&cursor={first['pagination']['next_cursor']}"), 200)
            assert ids(rest) == walked[2:] and rest["pagination"]["next_cursor"] is None, ordering
            whole = check(client.get(f"{url}&limit=100"), 200)["data"]
            assert [row["id"] for row in whole] == walked, ordering
            if ordering in ("due_at", "-due_at"):  # without a due date last, either way
                assert [row["due_at"] is None for row in whole] == [False] * 4 + [True] * 3, ordering

    def test_a_list_sorted_first_by_status_or_priority_reads_the_same_a_value_at_a_time(
        self, tenant, agent, client_for, monkeypatch
    ) -> None:
        # A list longer than PIECES_ABOVE sorted first by status or priority is read one value at
        # a time (pagination.read_in_pieces): a piece of at most FOUND_WHOLE_MAX tickets found
        # whole, a longer one along the next key's index, an empty one skipped. Both are lowered
        # here so 22 tickets make every kind: no ticket closed or on hold, two resolved, six or
        # more of the others; the three new or resolved unassigned tickets are sorted whole.
        monkeypatch.setattr(pagination, "FOUND_WHOLE_MAX", 2)
        monkeypatch.setattr(pagination, "PIECES_ABOVE", 4)
        now = timezone.now()
        group, company = GroupFactory(tenant=tenant), CompanyFactory(tenant=tenant)
        tag = TagFactory(tenant=tenant, name="vip")
        shapes = [("new", "low"), ("new", "high"), ("new", "high"), ("open", "urgent"), ("open", "low"),
                  ("open", "low"), ("open", "medium"), ("pending", "high"), ("pending", "low"),
                  ("pending", "high"), ("resolved", "medium")]  # fmt: skip
        for i, (status, priority) in enumerate(shapes * 2):
            ticket = TicketFactory(
                tenant=tenant,
                status=status,
                priority=priority,
                resolved_at=now if status == "resolved" else None,
                assignee=agent if i % 3 else None,
                group=group if i % 2 else None,
                company=company if i % 4 else None,
                due_at=None if i % 5 == 0 else now + datetime.timedelta(days=i % 3),
            )
            if i % 3 == 1:
                TicketTagFactory(tenant=tenant, ticket=ticket, tag=tag)
        Ticket.objects.filter(tenant=tenant, number__lte=6).update(updated_at=now)  # ties: the id decides
        TicketFactory.create_batch(3, status="open")  # another tenant's
        client = client_for(agent)
        orderings = ("status,-updated_at", "-status,created_at", "priority,-updated_at", "-priority,number",
                     "status,priority,-updated_at", "-priority,-status,due_at", "status,-due_at",
                     "status,-status,-updated_at")  # fmt: skip
        # Counted from the kept counts (status, priority, assignee; a group; a tag) or, for a
        # company with an assignee, by COUNT.
        filters = ("", "status=open,pending", "priority=high,low&assignedTo=me", "assignedTo=none",
                   f"group={group.pk}&status=new,open", "tag=vip",
                   f"company={company.pk}&assignedTo=me", "status=resolved,new&assignedTo=none")  # fmt: skip
        for ordering in orderings:
            for query in filters:
                url = f"/api/tickets?ordering={ordering}&{query}"
                params = QueryDict(f"ordering={ordering}&{query}")
                whole = ticket_list(tenant=tenant, user=agent, filters=params, related=False)
                expected = [str(pk) for pk in whole.values_list("pk", flat=True)]
                assert len(expected) > 2, (ordering, query)
                first = check(client.get(f"{url}&limit=2"), 200)
                assert first["pagination"]["total"] == len(expected), (ordering, query)
                walked, body = ids(first), first
                while body["pagination"]["next_cursor"]:
                    body = check(client.get(f"{url}&limit=2&cursor={body['pagination']['next_cursor']}"), 200)
                    walked += ids(body)
                assert walked == expected, (ordering, query)
                pages = -(-len(expected) // 3)
                by_page = [i for page in range(1, pages + 1)
                           for i in ids(check(client.get(f"{url}&limit=3&page={page}"), 200))]  # fmt: skip
                assert by_page == expected, (ordering, query)

    def test_a_cursor_whose_values_are_not_of_the_columns_type_is_400(
        self, tenant, agent, client_for
    ) -> None:
        TicketFactory.create_batch(2, tenant=tenant)
        client = client_for(agent)
        body = check(client.get("/api/tickets?ordering=-updated_at&limit=1"), 200)
        forged = reforged(body["pagination"]["next_cursor"], lambda payload: payload["v"].__setitem__(0, "x"))
        body = check(client.get(f"/api/tickets?ordering=-updated_at&limit=1&cursor={forged}"), 400)
        assert "cursor" in body["details"], body

    def test_a_cursor_without_a_position_still_works_and_a_wrong_one_is_400(
        self, tenant, agent, client_for
    ) -> None:
        # The position (how many rows came before the page) only helps plan the page; a cursor
        # written before it existed reads the same rows.
        TicketFactory.create_batch(3, tenant=tenant)
        client = client_for(agent)
        body = check(client.get("/api/tickets?limit=1"), 200)
        cursor = body["pagination"]["next_cursor"]
        expected = ids(check(client.get(f"/api/tickets?limit=1&cursor={cursor}"), 200))
        old = reforged(cursor, lambda payload: payload.pop("p"))
        assert ids(check(client.get(f"/api/tickets?limit=1&cursor={old}"), 200)) == expected
        for wrong in (-1, "1", True, 1.5, 10**13):
            forged = reforged(cursor, lambda payload, wrong=wrong: payload.__setitem__("p", wrong))
            body = check(client.get(f"/api/tickets?limit=1&cursor={forged}"), 400)
            assert "cursor" in body["details"], (wrong, body)

    def test_full_text_search_over_subject_description_comments_and_number(
        self, tenant, agent, client_for
    ) -> None:
        subject = TicketFactory(tenant=tenant, subject="VPN keeps disconnecting", description="")
        description = TicketFactory(tenant=tenant, subject="Help", description="The VPN client crashed")
        # No digits in its subject: the factory's default ("Printer 7 is on fire") can hold the
        # number searched for below, and `q=#7` finds text with 7 in it as well as ticket #7.
        comment = TicketCommentFactory(
            ticket__tenant=tenant, ticket__subject="Profile", body="Reinstalled the vpn profile"
        ).ticket
        TicketFactory(tenant=tenant, subject="Printer", description="Paper jam")
        client = client_for(agent)
        assert self.listed(client, "q=vpn") == {str(subject.pk), str(description.pk), str(comment.pk)}
        assert self.listed(client, "q=disconnects") == {str(subject.pk)}  # stemmed
        assert self.listed(client, f"q=%23{description.number}") == {str(description.pk)}
        assert self.listed(client, f"q={description.number}") == {str(description.pk)}


@pytest.mark.django_db
class TestBulk:
    def test_updates_all_and_answers_the_tickets(self, tenant, manager, client_for) -> None:
        tickets = [TicketFactory(tenant=tenant) for _ in range(3)]
        TagFactory(tenant=tenant, name="vip")
        data = {
            "ids": [str(t.pk) for t in tickets],
            "changes": {"status": "open", "priority": "high"},
            "add_tags": ["vip"],
        }
        body = check(send(client_for(manager), "POST", "/api/tickets/bulk", data), 200)
        assert {row["status"] for row in body} == {"open"} and all(len(row["tags"]) == 1 for row in body)

    def test_is_all_or_nothing_with_details_by_ticket(
        self, tenant, other_tenant, manager, client_for
    ) -> None:
        mine, theirs = TicketFactory(tenant=tenant), TicketFactory(tenant=other_tenant)
        data = {"ids": [str(mine.pk), str(theirs.pk)], "changes": {"priority": "urgent"}}
        body = check(send(client_for(manager), "POST", "/api/tickets/bulk/", data), 400)
        assert list(body["details"]) == [str(theirs.pk)]
        assert Ticket.objects.get(pk=mine.pk).priority == "medium"

    @pytest.mark.parametrize(
        "data",
        [
            {},
            {"ids": []},
            {"ids": ["x"]},
            {"ids": "abc"},
            {"ids": [], "changes": {"subject": "x"}},
            {"changes": 5},
        ],
    )
    def test_odd_bodies_are_400(self, manager, client_for, data) -> None:
        check(send(client_for(manager), "POST", "/api/tickets/bulk", data), 400)


@pytest.mark.django_db
class TestCommentsAndAttachments:
    def test_comments_thread_and_first_response(
        self, tenant, agent, client_for, django_assert_num_queries
    ) -> None:
        ticket = TicketFactory(tenant=tenant)
        client = client_for(agent)
        url = f"/api/tickets/{ticket.pk}/comments"
        check(send(client, "POST", url, {"body": "note", "is_internal": True}), 201)
        created = check(send(client, "POST", url, {"body": "Hello"}), 201)
        assert created["author_user"] == str(agent.pk)
        assert Ticket.objects.get(pk=ticket.pk).first_response_at is not None
        TicketCommentFactory(ticket=ticket, tenant=tenant)
        with django_assert_num_queries(6):  # session, user, ticket, count, page, attachments
            body = check(client.get(url), 200)
        assert [row["body"] for row in body["data"]][:2] == ["note", "Hello"]
        check(send(client, "POST", url, {"body": ""}), 400)
        check(send(client, "POST", url, {"body": "x\x00"}), 400)

    def test_comments_of_another_tenants_ticket_are_404(self, other_tenant, agent, client_for) -> None:
        ticket = TicketFactory(tenant=other_tenant)
        check(client_for(agent).get(f"/api/tickets/{ticket.pk}/comments"), 404)
        check(send(client_for(agent), "POST", f"/api/tickets/{ticket.pk}/comments", {"body": "hi"}), 404)

    def test_upload_download_and_limit(self, tenant, agent, client_for, settings) -> None:
        ticket = TicketFactory(tenant=tenant)
        client = client_for(agent)
        url = f"/api/tickets/{ticket.pk}/attachments"
        upload = SimpleUploadedFile("../../etc/x.txt", b"hello bytes", content_type="text/plain")
        body = check(client.post(url, {"file": upload}), 201)
        assert body["original_filename"] == "x.txt"
        assert body["sha256"] == hashlib.sha256(b"hello bytes").hexdigest()
        response = client.get(body["download_url"])
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"hello bytes"
        assert response["Content-Disposition"] == 'attachment; filename="x.txt"'
        assert check(client.get(url), 200)["pagination"]["total"] == 1
        settings.ATTACHMENT_MAX_BYTES = 5
        check(client.post(url, {"file": SimpleUploadedFile("big.bin", b"123456")}), 413)
        check(client.post(url, {}), 400)
        check(send(client, "POST", url, {"file": "x"}), 415)

    def test_download_of_another_tenant_is_404(self, tenant, other_tenant, agent, client_for) -> None:
        attachment = AttachmentFactory(ticket__tenant=other_tenant)
        url = f"/api/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/download"
        check(client_for(agent).get(url), 404)


@pytest.mark.django_db
def test_agents_cannot_delete_tickets_or_create_tags(tenant, agent, client_for) -> None:
    client = client_for(agent)
    check(send(client, "POST", "/api/tags", {"name": "new"}), 403)
    check(client.delete(f"/api/tickets/{TicketFactory(tenant=tenant).pk}"), 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_every_role_reads_and_adds_comments_and_attachments(tenant, client_for, role: str) -> None:
    client = client_for(UserFactory(tenant=tenant, role=role))
    ticket = TicketFactory(tenant=tenant)
    check(send(client, "POST", f"/api/tickets/{ticket.pk}/comments", {"body": "hi"}), 201)
    check(client.get(f"/api/tickets/{ticket.pk}/comments"), 200)
    check(
        client.post(f"/api/tickets/{ticket.pk}/attachments", {"file": SimpleUploadedFile("a.txt", b"a")}), 201
    )
    check(client.get(f"/api/tickets/{ticket.pk}/attachments"), 200)


@pytest.mark.django_db
def test_child_endpoint_query_counts(tenant, agent, client_for, django_assert_num_queries) -> None:
    ticket = TicketFactory(tenant=tenant)
    comment = TicketCommentFactory(ticket=ticket, tenant=tenant)
    attachments = [AttachmentFactory(ticket=ticket, tenant=tenant) for _ in range(3)]
    client = client_for(agent)
    base = f"/api/tickets/{ticket.pk}"
    with django_assert_num_queries(5):  # session, user, ticket, count, page
        check(client.get(f"{base}/attachments"), 200)
    with django_assert_num_queries(4):  # session, user, ticket, row
        check(client.get(f"{base}/attachments/{attachments[0].pk}"), 200)
    with django_assert_num_queries(5):  # session, user, ticket, row, its attachments
        check(client.get(f"{base}/comments/{comment.pk}"), 200)


@pytest.mark.django_db
def test_expand_nests_related_rows_without_extra_queries(
    tenant, agent, client_for, django_assert_num_queries
) -> None:
    ticket = TicketTagFactory(ticket__tenant=tenant, ticket__assignee=agent).ticket
    client = client_for(agent)
    # session, user, the count's snapshot, count, page (requester, assignee, company joined)
    with django_assert_num_queries(5 + 1):
        body = check(client.get("/api/tickets?expand=requester,assignee,tags,company"), 200)
    row = body["data"][0]
    assert row["requester"]["id"] == str(ticket.requester_id) and row["requester"]["email"]
    assert row["assignee"] == {"id": str(agent.pk), "name": agent.name}
    assert row["tags"][0]["name"] and row["company"] is None
    assert check(client.get(f"/api/tickets/{ticket.pk}?expand=tags"), 200)["tags"][0]["id"]
    assert "expand" in check(client.get("/api/tickets?expand=password"), 400)["details"]
