"""``manage.py load_demo_data``: the first start of ``make run`` fills an empty embedded database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import Tenant


class Command(BaseCommand):
    """Load fixtures/mock with migrate_mock_data, but only into an empty embedded database."""

    help = (
        "Load the demo data set (fixtures/mock) through migrate_mock_data when the database is the "
        "embedded one and holds no tenant yet. A configured server (DATABASE_URL / POSTGRES_*) is never "
        "filled unless --force is given (make run DEMO=1). Does nothing when there is data already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load into any database, empty or not (the import is idempotent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["force"]:
            if not settings.EMBEDDED_DATABASE:
                self.stdout.write("Demo data: skipped (a configured database is never filled unless DEMO=1).")
                return
            if Tenant.objects.exists():
                self.stdout.write("Demo data: skipped (the database is not empty).")
                return
        self.stdout.write("Demo data: loading fixtures/mock ...")
        call_command("migrate_mock_data", stdout=self.stdout, stderr=self.stderr)
