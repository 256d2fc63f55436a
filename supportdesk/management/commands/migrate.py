"""Django's `migrate`, but it first waits for the database with a bounded back-off."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from supportdesk.management.commands.wait_for_db import wait


class Command(DjangoMigrateCommand):
    help = (
        DjangoMigrateCommand.help + " Waits for the database first (retrying with back-off) and stops with "
        "one clear error line naming host, port and database if it never answers. Afterwards it creates "
        "the cache table when the cache lives in the database (no REDIS_URL), so every deploy has it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--wait-attempts", type=int, default=6, help="Connection attempts before giving up (default 6)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wait(self, options["database"], options["wait_attempts"])
        super().handle(*args, **options)
        call_command("createcachetable", database=options["database"], verbosity=options["verbosity"])
