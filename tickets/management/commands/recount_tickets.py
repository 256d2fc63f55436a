"""``manage.py recount_tickets``: check or rebuild the live ticket counts behind list totals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets.choices import Channel
from tickets.models import FacetCount
from tickets.selectors import facet_counts_differences, tag_counts_differences, ticket_counts_differences
from tickets.services import ticket_counts_fold, ticket_counts_rebuild


class Command(BaseCommand):
    """Compare the trigger-kept counts with the tickets, or count the tickets again."""

    help = (
        "The totals of ticket lists filtered by status, priority and assignee, or by one tag, "
        "company, group, category, subcategory, department or channel with status and priority, come "
        "from counts that database triggers keep as tickets and their tags change "
        "(tickets_ticketcount, tickets_facetcount, tickets_tagcount). Writes that go around the "
        "triggers (session_replication_role = replica, disabled triggers, a partial data-only "
        "restore) leave them wrong. --check lists every (tenant, status, priority, assignee), "
        "every (company, group, ..., status, priority) and every (tag, status, priority) whose "
        "count differs from the tickets and exits 1 if any does. --fold merges each count's "
        "rows (one per change) into one, without locking anything: run it nightly, since a count "
        "no list reads (a company nobody filters by) otherwise keeps a row per change. With "
        "neither, every count is taken again from the tickets (ticket writes wait meanwhile) and "
        "the cached totals are dropped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        given = parser.add_mutually_exclusive_group()
        given.add_argument("--check", action="store_true", help="Only compare; exit 1 when a count differs.")
        given.add_argument(
            "--fold",
            action="store_true",
            help="Merge each count's rows into one; the counts stay as they are.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            differences = ticket_counts_differences()
            for tenant, status, priority, assignee, kept, real in differences:
                self.stderr.write(
                    f"tenant {tenant} {status}/{priority}/{assignee or 'unassigned'}: "
                    f"counted {kept}, tickets {real}"
                )
            facets = facet_counts_differences()
            # A channel is counted under an id made from its name: named by the name.
            channels = {FacetCount.channel_value_id(channel): channel for channel in Channel.values}
            for tenant, facet, value, status, priority, kept, real in facets:
                self.stderr.write(
                    f"tenant {tenant} {facet} {channels.get(value, value)} {status}/{priority}: "
                    f"counted {kept}, tickets {real}"
                )
            differences += facets
            tags = tag_counts_differences()
            for tenant, tag, status, priority, kept, real in tags:
                self.stderr.write(
                    f"tenant {tenant} tag {tag} {status}/{priority}: counted {kept}, tickets {real}"
                )
            differences += tags
            if differences:
                raise CommandError(
                    f"{len(differences)} count(s) differ from the tickets; run recount_tickets to fix."
                )
            self.stdout.write("The ticket counts match the tickets.")
            return
        if options["fold"]:
            folded = ticket_counts_fold()
            self.stdout.write(
                "Folded the count rows: "
                + ", ".join(f"{table} {rows} fewer" for table, rows in folded.items())
                + "."
            )
            return
        keys = ticket_counts_rebuild()
        self.stdout.write(
            f"Counted the live tickets again: {keys} (tenant, status, priority, assignee) keys."
        )
