"""Cached totals raised by committed new tickets instead of counted again (tickets.arrivals).

These tests commit: a count is raised only by tickets whose transaction committed, which a test
inside one transaction never sees.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant, User
from tests.core.test_caching import KEPT_THROUGH, Desk
from tests.factories import TicketFactory
from tickets import services as ticket_services
from tickets.arrivals import ArrivalGrowth
from tickets.models import Ticket
from tickets.selectors import ticket_list_total

pytestmark = pytest.mark.django_db(transaction=True)

NEW_TICKETS = ["new", "new, without the word", "new, listed"]


def raised(desk: Desk, filters: dict[str, str]) -> tuple[int, int, int]:
    """The list's total, how many statements counted it again, and how many raised it."""
    with CaptureQueriesContext(connection) as ctx:
        total, counted = desk.total(filters)
    grown = sum("pg_visible_in_snapshot" in q["sql"] for q in ctx.captured_queries)
    return total, counted, grown


@pytest.mark.parametrize("kind", NEW_TICKETS)
def test_a_committed_new_ticket_raises_the_totals_of_the_lists_it_is_in_without_counting_them(
    kind: str, tenant: Tenant, agent: User, manager: User, client_for, caplog
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    lists = desk.lists()
    before = {name: desk.total(filters)[0] for name, filters in lists.items()}
    desk.write(kind, desk.tickets[1])
    for name, filters in lists.items():
        caplog.clear()
        total, counted, grown = raised(desk, filters)
        assert total == desk.expected(filters), name
        assert "ticket list total" not in caplog.text, name
        assert counted == 0, f"{name!r} was counted again after a {kind} ticket"
        # Lists the ticket may be in look among the new tickets; the others are kept as they were.
        assert (grown > 0) == (name not in KEPT_THROUGH[kind]), name
        assert total in (before[name], before[name] + 1), name
    for filters in lists.values():
        assert raised(desk, filters)[1:] == (0, 0)


@pytest.mark.parametrize("seed", [5, 23])
def test_raised_totals_match_a_fresh_count_after_any_sequence_of_committed_writes(
    seed: int, tenant: Tenant, agent: User, manager: User, client_for, caplog
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    # New tickets more often than the rest, as on a desk: runs of them raise totals in turn.
    kinds = [*KEPT_THROUGH, "delete", *NEW_TICKETS * 3]
    desk.check_random_writes(random.Random(seed), kinds, caplog)


class Counted:
    """``ticket_list_total`` of one list, counted by the ORM, noting each time it counts."""

    def __init__(self, desk: Desk, filters: dict[str, str]) -> None:
        self.desk, self.filters, self.counts = desk, filters, 0
        self.during: Any = None

    def __call__(self) -> int:
        def count() -> int:
            self.counts += 1
            value = self.desk.expected(self.filters)
            if self.during is not None:
                self.during()
            return value

        return ticket_list_total(
            tenant=self.desk.tenant, user=self.desk.agent, filters=self.filters, count=count
        )


def in_thread(work: Any) -> None:
    """``work()`` on a connection of its own, committed when it returns."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failed, failed


def new_ticket(desk: Desk, subject: str = f"New {Desk.WORD}") -> Ticket:
    data = {"subject": subject, "requester": desk.tickets[0].requester, "assignee": desk.agent}
    return ticket_services.ticket_create(tenant=desk.tenant, actor=desk.agent, data=data)


def test_a_ticket_committed_after_the_count_began_raises_it_once_committed(
    tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    mine = Counted(desk, {"q": Desk.WORD, "assignedTo": "me"})
    assert mine() == 1
    started, committed = threading.Event(), threading.Event()

    def write() -> None:
        with transaction.atomic():
            new_ticket(desk)
            started.set()
            committed.wait(10)

    thread = threading.Thread(target=lambda: (write(), connection.close()))
    thread.start()
    started.wait(10)
    # Bumped before its commit, but not committed yet: raised by nothing.
    assert mine() == 1
    committed.set()
    thread.join()
    assert mine() == 2 == desk.expected(mine.filters)
    assert mine.counts == 1


def test_a_ticket_that_arrived_while_counting_makes_the_next_new_ticket_count_again(
    tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    mine = Counted(desk, {"q": Desk.WORD, "assignedTo": "me"})
    # The count read its rows before this ticket committed: whether it saw it is unknown.
    mine.during = lambda: in_thread(lambda: new_ticket(desk))
    assert mine() == 1
    mine.during = None
    in_thread(lambda: new_ticket(desk))
    assert mine() == 3 == desk.expected(mine.filters)
    assert mine.counts == 2
    # Counted with a mark this time: the next new ticket raises it.
    in_thread(lambda: new_ticket(desk))
    assert mine() == 4 == desk.expected(mine.filters)
    assert mine.counts == 2


def test_a_total_read_by_a_transaction_that_wrote_is_counted_there_and_raised_after_its_commit(
    tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    mine = Counted(desk, {"q": Desk.WORD, "assignedTo": "me"})
    assert mine() == 1
    with transaction.atomic():
        new_ticket(desk)
        # Its own ticket is in what it reads, and cached nowhere: it counts on every read.
        assert mine() == 2
        assert mine() == 2
        assert mine.counts == 3
    # Committed: the total cached before the transaction is raised by its ticket.
    assert mine() == 2 == desk.expected(mine.filters)
    assert mine.counts == 3
    in_thread(lambda: new_ticket(desk))
    assert mine() == 3 == desk.expected(mine.filters)
    assert mine.counts == 3


def test_a_total_raised_by_a_transaction_that_wrote_tickets_around_the_services_is_not_marked(
    tenant: Tenant, agent: User, manager: User, client_for
) -> None:
    desk = Desk(tenant, agent, manager, client_for(agent))
    mine = Counted(desk, {"q": Desk.WORD, "assignedTo": "me"})
    assert mine() == 1
    # Committed before the transaction opens: a ticket the cached total is raised by there.
    in_thread(lambda: new_ticket(desk))
    with transaction.atomic():
        # Written by the ORM, as a data fix would: nothing is bumped, nothing tells the cache.
        TicketFactory(tenant=tenant, subject=f"Raw {Desk.WORD}", assignee=agent)
        assert mine() == 3 == desk.expected(mine.filters)
    # Its own ticket is in the value it read, and in no snapshot taken inside it: a mark from
    # there would have the next new ticket raise the total by this one again.
    in_thread(lambda: new_ticket(desk))
    assert mine() == 4 == desk.expected(mine.filters)


def test_a_capped_count_stays_at_its_cap_and_a_count_under_it_stops_there(tenant: Tenant) -> None:
    growth = ArrivalGrowth(tenant, lambda ids: Ticket.objects.filter(tenant=tenant, pk__in=ids), upto=10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        (mark,) = cursor.fetchone()
    in_thread(lambda: [new_ticket_for(tenant) for _ in range(3)])
    assert growth.grown(10, mark)[0] == 10
    assert growth.grown(8, mark)[0] == 10
    assert growth.grown(5, mark)[0] == 8
    # Above the cap the count was exact (the kept counts): raised as it is.
    assert growth.grown(25, mark)[0] == 28
    # Raised to now: nothing arrived since the new mark.
    _, now = growth.grown(5, mark)
    assert growth.grown(5, now)[0] == 5


def new_ticket_for(tenant: Tenant) -> Ticket:
    return TicketFactory(tenant=tenant)
