"""``manage.py generate_mock_data``: write a valid export at any scale, the same for the same seed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.mockdata.generator import Generator
from supportdesk.mockdata.output import table


class Command(BaseCommand):
    """Generate a data set in the old app's export format (docs/mock-data-format.md)."""

    help = (
        "Write a valid data set in the export format that migrate_mock_data reads: every entity file, "
        "a tenants.json, and the attachment files under DIR/files. Deterministic: the same --seed, "
        "--tickets and --tenants give byte-identical files. Streams as it writes, so memory stays flat "
        "at any --tickets (100k and 1M work). fixtures/mock is --tickets 3000 --tenants 3 --seed 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="Directory to write into.")
        parser.add_argument("--tickets", type=int, required=True, metavar="N", help="Number of tickets.")
        parser.add_argument(
            "--tenants", type=int, default=3, metavar="K", help="Number of tenants (default 3)."
        )
        parser.add_argument("--seed", type=int, default=1, metavar="S", help="Random seed (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tickets"] < 0:
            raise CommandError("--tickets must be 0 or more")
        started = time.monotonic()
        try:
            generator = Generator(options["out"], options["tickets"], options["tenants"], options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        counts = generator.write()
        self.stdout.write(table(("file", "records"), [(f"{name}.json", n) for name, n in counts.items()]))
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {options['out']} in {time.monotonic() - started:.1f} s.")
        )
