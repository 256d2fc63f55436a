"""Wait until the database answers, retrying with a bounded back-off."""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.database import describe, wait_for_database


class Command(BaseCommand):
    help = (
        "Wait until the configured PostgreSQL server accepts connections. Retries with an exponential "
        "back-off (0.5 s doubling up to 5 s) and exits non-zero with one line naming host, port and "
        "database when it never answers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--attempts", type=int, default=6, help="How many times to try (default 6).")
        parser.add_argument("--database", default="default", help="Database alias (default 'default').")

    def handle(self, *args: Any, **options: Any) -> None:
        wait(self, options["database"], options["attempts"])
        self.stdout.write(f"Database is reachable ({describe(options['database'])}).")


def wait(command: BaseCommand, alias: str, attempts: int) -> None:
    """Shared by `wait_for_db` and `migrate`: retry, then fail with one operator-readable line."""

    def on_retry(attempt: int, exc: Exception) -> None:
        command.stderr.write(f"Database not reachable yet ({describe(alias)}), attempt {attempt}/{attempts}…")

    try:
        wait_for_database(alias=alias, attempts=attempts, on_retry=on_retry)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise CommandError(
            f"Cannot reach PostgreSQL at {describe(alias)} after {attempts} attempts: {reason}"
        ) from None
