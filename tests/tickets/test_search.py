"""Full-text search shapes: specific (ranked), broad (newest tickets read in index order), counts.

The shape is chosen from PostgreSQL's row estimates, so the tests lower the thresholds to make a
handful of tickets count as a broad search; what they check is that every shape finds the same
tickets, in the promised order, and that the capped count is right.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supportdesk.api import pagination
from tests.api_cases import check
from tests.factories import ContactFactory, TicketCommentFactory, TicketFactory, TicketTagFactory
from tickets import filters as ticket_filters
from tickets import services
from tickets.api import views as ticket_views
from tickets.selectors import ticket_list, ticket_search_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def vpn_desk(tenant, other_tenant):  # type: ignore[no-untyped-def]
    """Tickets about the VPN (by subject, description, comment), others, and ones that must not show."""
    now = timezone.now()
    rows = {
        "subject": TicketFactory(tenant=tenant, subject="VPN keeps disconnecting", description=""),
        "description": TicketFactory(tenant=tenant, subject="Help", description="The VPN client crashed"),
        "comment": TicketCommentFactory(ticket__tenant=tenant, body="Reinstalled the vpn profile").ticket,
    }
    for age, ticket in enumerate(rows.values()):
        ticket.created_at = now - datetime.timedelta(hours=age)
        ticket.save(update_fields=["created_at"])
    TicketFactory(tenant=tenant, subject="Printer", description="Paper jam")
    deleted = TicketFactory(tenant=tenant, subject="Old VPN question")
    deleted.is_deleted = True
    deleted.save(update_fields=["is_deleted"])
    TicketFactory(tenant=other_tenant, subject="Their VPN")
    return rows


@pytest.fixture
def broad(monkeypatch):  # type: ignore[no-untyped-def]
    """Every search counts as broad and dense: the newest tickets are read in index order, each
    tested by a probe of its comments (PostgreSQL is taken to expect many comment matches)."""
    monkeypatch.setattr(ticket_filters, "BROAD_MATCHES", -1)
    monkeypatch.setattr(ticket_filters, "WALK_ROWS", 10**9)
    monkeypatch.setattr(ticket_filters, "COMMENTS_EXPECTED_MAX", -1)


def test_a_broad_search_lists_the_same_tickets_newest_first_without_a_union(
    tenant, agent, vpn_desk, broad
) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        qs = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    assert "UNION" not in str(qs.query)
    # Each ticket read is tested by a probe of its own comments: never every comment match of the
    # tenant collected (hashed) before the first row.
    assert "hashed" not in qs.explain()
    # The estimates (the list's, its text matches', the tenant's and its comment matches') are
    # planned without the eight joins of the inbox's rows (30-40 ms at 1M).
    explains = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert len(explains) == 4 and not any(" JOIN " in sql for sql in explains)
    assert list(qs) == [vpn_desk["subject"], vpn_desk["description"], vpn_desk["comment"]]
    number = vpn_desk["description"].number
    # "#N" also finds the ticket numbered N (besides any text containing the number).
    assert vpn_desk["description"] in ticket_list(tenant=tenant.pk, user=agent, filters={"q": f"#{number}"})


def test_a_broad_word_few_comments_use_tests_each_ticket_against_their_tickets_ids(
    tenant, agent, vpn_desk, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A word broad in the tickets' text but in few comments (or none) is not probed for in each
    ticket's comments: the tickets its comments name are collected once, for the page and the count."""
    monkeypatch.setattr(ticket_filters, "BROAD_MATCHES", -1)
    monkeypatch.setattr(ticket_filters, "WALK_ROWS", 10**9)
    filtered = {"q": "vpn", "status": "new,open,pending,on_hold,resolved,closed"}
    listed = ticket_list(tenant=tenant.pk, user=agent, filters=filtered)
    assert '"tickets_ticketcomment"' not in str(listed.query)
    assert list(listed) == [vpn_desk["subject"], vpn_desk["description"], vpn_desk["comment"]]
    with CaptureQueriesContext(connection) as ctx:
        assert ticket_search_count(tenant=tenant.pk, user=agent, filters=filtered, cap=100) == 3
    assert not any('"tickets_ticketcomment"' in q["sql"] for q in ctx.captured_queries)
    # A new comment using the word adds its ticket to both at once.
    jammed = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "paper"}).get()
    services.comment_add(ticket=jammed, actor=agent, body="The VPN drops when printing")
    assert jammed in ticket_list(tenant=tenant.pk, user=agent, filters=filtered)
    assert ticket_search_count(tenant=tenant.pk, user=agent, filters=filtered, cap=100) == 4
    # A word in no comment: the tickets are tested by their own text alone.
    paper = ticket_list(tenant=tenant.pk, user=agent, filters={**filtered, "q": "paper"})
    assert '"tickets_ticketcomment"' not in str(paper.query) and list(paper) == [jammed]
    assert ticket_search_count(tenant=tenant.pk, user=agent, filters={**filtered, "q": "paper"}, cap=100) == 1


def test_a_sparse_broad_search_keeps_the_gin_union(tenant, agent, vpn_desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ticket_filters, "BROAD_MATCHES", -1)
    monkeypatch.setattr(ticket_filters, "WALK_ROWS", 0)
    qs = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    assert "UNION" in str(qs.query)
    assert list(qs) == [vpn_desk["subject"], vpn_desk["description"], vpn_desk["comment"]]


def test_a_specific_search_is_ranked(tenant, agent, vpn_desk) -> None:  # type: ignore[no-untyped-def]
    qs = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    assert "ts_rank" in str(qs.query)
    assert set(qs) == set(vpn_desk.values())


def test_a_rare_word_reads_the_list_by_the_ids_of_its_matches(tenant, agent, vpn_desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The tenant's few matches are collected first; the list reads its tickets by those ids."""
    qs = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn", "ordering": "status,-updated_at"})
    assert "UNION" not in str(qs.query) and set(qs) == set(vpn_desk.values())
    # The collected ids are cached until a write: a new match, or a comment that matches, shows.
    requester = ContactFactory(tenant=tenant)
    added = services.ticket_create(
        tenant=tenant, actor=agent, data={"subject": "VPN token expired", "requester": requester}
    )
    replied = TicketFactory(tenant=tenant, subject="Laptop", description="")
    services.comment_add(ticket=replied, actor=agent, body="The VPN works again")
    assert set(ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})) == {
        *vpn_desk.values(),
        added,
        replied,
    }
    # The list's own filters still apply to the collected ids.
    services.ticket_update(ticket=vpn_desk["comment"], actor=agent, data={"priority": "urgent"})
    urgent = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn", "priority": "urgent"})
    assert list(urgent) == [vpn_desk["comment"]]
    # More matches than RANKED_MATCHES: the UNION of the two GIN indexes, the same tickets.
    monkeypatch.setattr(ticket_filters, "RANKED_MATCHES", 2)
    many = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    assert "UNION" in str(many.query) and set(many) == {*vpn_desk.values(), added, replied}


def test_search_count_stops_at_the_cap_and_counts_comment_matches(tenant, agent, vpn_desk) -> None:  # type: ignore[no-untyped-def]
    count = ticket_search_count
    assert count(tenant=tenant.pk, user=agent, filters={"q": "vpn"}, cap=100) == 3
    assert count(tenant=tenant.pk, user=agent, filters={"q": "vpn"}, cap=2) == 2
    assert count(tenant=tenant.pk, user=agent, filters={"q": "reinstalled"}, cap=100) == 1
    assert count(tenant=tenant.pk, user=agent, filters={"q": "vpn", "priority": "urgent"}, cap=100) == 0
    # A ticket matching by its text and by a comment counts once; the cap holds across both parts.
    TicketCommentFactory(ticket=vpn_desk["subject"], body="Still no VPN")
    with CaptureQueriesContext(connection) as ctx:
        assert count(tenant=tenant.pk, user=agent, filters={"q": "vpn"}, cap=100) == 3
    # The list's comment matches are counted, never a UNION with every text match of the tenant.
    assert not any(" UNION " in q["sql"] for q in ctx.captured_queries)
    assert count(tenant=tenant.pk, user=agent, filters={"q": "vpn"}, cap=3) == 3
    number = vpn_desk["comment"].number
    assert count(tenant=tenant.pk, user=agent, filters={"q": f"#{number}"}, cap=100) >= 1


def test_a_filtered_search_count_leaves_its_text_matches_out_by_id(tenant, agent, vpn_desk) -> None:  # type: ignore[no-untyped-def]
    """Tickets that match by text and by a comment count once under a filter too, and the
    comment part never tests each ticket's text again (~55 us a row: 182 ms at 10k tickets)."""
    for ticket in vpn_desk.values():
        services.ticket_update(ticket=ticket, actor=agent, data={"priority": "urgent"})
    TicketCommentFactory(ticket=vpn_desk["subject"], body="Still no VPN")
    TicketCommentFactory(ticket__tenant=tenant, ticket__priority="low", body="vpn again")
    filters = {"q": "vpn", "priority": "urgent"}
    with CaptureQueriesContext(connection) as ctx:
        assert ticket_search_count(tenant=tenant.pk, user=agent, filters=filters, cap=100) == 3
    by_comment = [q["sql"] for q in ctx.captured_queries if '"tickets_ticketcomment"' in q["sql"]]
    assert by_comment and not any("NOT (to_tsvector" in sql for sql in by_comment)
    low = {**filters, "priority": "low"}
    assert ticket_search_count(tenant=tenant.pk, user=agent, filters=low, cap=100) == 1
    with pytest.raises(ValueError, match="TEXT_MATCHES_CAP"):
        ticket_search_count(tenant=tenant.pk, user=agent, filters=filters, cap=10**6)


def test_a_list_searched_alone_counts_the_text_matches_once(
    tenant, agent, client_for, vpn_desk, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Its total and the search's own decision count the same tickets: one COUNT of ticket text."""
    client = client_for(agent)

    def text_counts(path: str) -> tuple[int, int]:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            body = check(client.get(path), 200)
        counts = [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].startswith("SELECT COUNT(*)")
            and "to_tsvector" in q["sql"]
            # Not the count of comment matches, which leaves the text matches out.
            and "ticketcomment" not in q["sql"]
            and 'NOT ("tickets_ticket"."id" IN' not in q["sql"]
        ]
        return len(counts), body["pagination"]["total"]

    assert text_counts("/api/tickets?q=vpn&limit=2") == (1, 3)
    assert text_counts("/api/tickets?q=vpn&limit=2&ordering=-updated_at&status=") == (1, 3)
    # Another filter: the list's own text matches are counted too.
    assert text_counts("/api/tickets?q=vpn&limit=2&priority=urgent") == (2, 0)
    number = vpn_desk["comment"].number
    assert text_counts(f"/api/tickets?q=%23{number}") == (1, 1)
    # A word PostgreSQL expects in very many tickets is broad without counting the tenant's.
    everything = "/api/tickets?q=vpn&status=new,open,pending,on_hold,resolved,closed"
    ranked = {row["id"] for row in check(client.get(everything), 200)["data"]}
    monkeypatch.setattr(ticket_filters, "SURELY_BROAD", -1)
    assert text_counts(everything) == (1, 3)
    assert {row["id"] for row in check(client.get(everything), 200)["data"]} == ranked


def test_the_inbox_searches_a_surely_broad_word_without_counting_it(
    tenant, agent, client_for, vpn_desk, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The inbox shows no total: a word PostgreSQL expects everywhere is searched without a count."""
    monkeypatch.setattr(ticket_filters, "SURELY_BROAD", -1)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(agent).get("/tickets?q=vpn")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(ticket.subject in page for ticket in vpn_desk.values())
    texts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert not any("to_tsvector" in sql for sql in texts), texts


def test_the_api_answers_a_broad_search_like_a_specific_one(
    tenant, agent, client_for, vpn_desk, broad
) -> None:  # type: ignore[no-untyped-def]
    body = check(client_for(agent).get("/api/tickets?q=vpn&limit=2"), 200)
    assert [row["id"] for row in body["data"]] == [
        str(vpn_desk["subject"].pk),
        str(vpn_desk["description"].pk),
    ]
    assert body["pagination"]["total"] == 3 and body["pagination"]["total_exact"] is True
    following = check(
        client_for(agent).get(f"/api/tickets?q=vpn&limit=2&cursor={body['pagination']['next_cursor']}"), 200
    )
    assert [row["id"] for row in following["data"]] == [str(vpn_desk["comment"].pk)]


def test_deep_offset_pages_read_ids_first_and_keep_the_order(tenant, agent, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from supportdesk.api import pagination

    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 1)
    tickets = TicketFactory.create_batch(7, tenant=tenant)
    TicketTagFactory(ticket=tickets[2])
    newest_first = [str(t.pk) for t in sorted(tickets, key=lambda t: (t.created_at, t.pk), reverse=True)]
    client = client_for(agent)
    pages = [check(client.get(f"/api/tickets?limit=3&page={n}"), 200) for n in (1, 2, 3)]
    assert [row["id"] for page in pages for row in page["data"]] == newest_first
    tagged = next(row for page in pages for row in page["data"] if row["id"] == str(tickets[2].pk))
    assert len(tagged["tags"]) == 1
    by_priority = check(client.get("/api/tickets?limit=3&page=2&ordering=number"), 200)
    assert [row["number"] for row in by_priority["data"]] == sorted(t.number for t in tickets)[3:6]
    # The page's rows are read by the ids an inner query picked, not OFFSET over full rows.
    with CaptureQueriesContext(connection) as ctx:
        check(client.get("/api/tickets?limit=3&page=2"), 200)
    (page_query,) = [q["sql"] for q in ctx.captured_queries if "OFFSET 3" in q["sql"]]
    assert page_query.index("OFFSET 3") > page_query.index("IN (SELECT")


def test_a_page_past_the_capped_match_count_reads_nothing(
    tenant, agent, client_for, vpn_desk, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The cap bounds what a full-text list reads: a page past it is empty, without a query for rows."""
    monkeypatch.setattr(pagination, "FULL_TEXT_COUNT_CAP", 2)
    monkeypatch.setattr(ticket_views, "FULL_TEXT_COUNT_CAP", 2)
    client = client_for(agent)
    first = check(client.get("/api/tickets?q=vpn&limit=2"), 200)
    assert len(first["data"]) == 2 and first["pagination"]["total"] == 2
    assert first["pagination"]["total_exact"] is False and first["pagination"]["next_cursor"] is None
    with CaptureQueriesContext(connection) as ctx:
        past = check(client.get("/api/tickets?q=vpn&limit=2&page=2"), 200)
    assert past["data"] == [] and past["pagination"]["total"] == 2
    assert not any("ORDER BY" in q["sql"] for q in ctx.captured_queries)


def test_comments_are_searched_by_the_document_postgresql_stores_for_them(
    tenant, agent, vpn_desk, broad, client_for
) -> None:  # type: ignore[no-untyped-def]
    """Each ticket's comments are tested by their stored document, never by computing it again;
    a comment's document follows its body, and reading a thread leaves the document out."""
    walked = ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    sql = str(walked.query)
    assert 'U0."search_document" @@' in sql and '"body"' not in sql
    assert vpn_desk["comment"] in walked
    comment = vpn_desk["comment"].comments.get()
    comment.body = "Reinstalled the printer driver"
    comment.save(update_fields=["body"])
    assert vpn_desk["comment"] not in ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    assert vpn_desk["comment"] in ticket_list(tenant=tenant.pk, user=agent, filters={"q": "driver"})
    # A comment added through the service is found at once (PostgreSQL computes it on insert).
    services.comment_add(ticket=vpn_desk["comment"], actor=agent, body="VPN fixed by the new driver")
    assert vpn_desk["comment"] in ticket_list(tenant=tenant.pk, user=agent, filters={"q": "vpn"})
    with CaptureQueriesContext(connection) as ctx:
        check(client_for(agent).get(f"/api/tickets/{vpn_desk['comment'].pk}/comments"), 200)
    read = [q["sql"] for q in ctx.captured_queries if 'FROM "tickets_ticketcomment"' in q["sql"]]
    assert read and not any("search_document" in sql for sql in read)


def test_dumpdata_leaves_the_stored_document_out_and_does_not_read_it_per_comment(
    tenant, vpn_desk, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    """The column is deferred, so serializing it would read it again per comment; loaddata would
    ignore it anyway (PostgreSQL computes it)."""
    TicketCommentFactory.create_batch(3, ticket=vpn_desk["subject"], body="More about the vpn")
    out = io.StringIO()
    with django_assert_max_num_queries(2):
        call_command("dumpdata", "tickets.ticketcomment", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 4 and all("search_document" not in row["fields"] for row in rows)
    assert {row["fields"]["body"] for row in rows} >= {"More about the vpn", "Reinstalled the vpn profile"}
