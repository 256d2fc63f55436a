"""``manage.py verify_migration``: prove the database holds the migrated source, or name what differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportdesk.mockdata.feeder import ReaderFailed
from supportdesk.mockdata.output import table
from supportdesk.mockdata.verifier import verify


class Command(BaseCommand):
    """Compare every imported row with the source it came from; exit non-zero on any difference."""

    help = (
        "Check that the database holds the source export: per entity and tenant, counts of live and "
        "deleted records vs imported rows; every foreign key resolves to a row of the same tenant; every "
        "relationship is the one the source names; every field equals the transformed source (per-row "
        "checksums; passwords checked with the password hasher). Only rows with a legacy_id (imported) "
        "are compared. Prints a table and every mismatch by entity and legacy id; exits 1 on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            type=Path,
            default=settings.BASE_DIR / "fixtures" / "mock",
            help="Directory of the export that was migrated (default: fixtures/mock).",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as one JSON document.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_dir():
            raise CommandError(f"source directory {source} does not exist")
        try:
            report = verify(source)
        except ReaderFailed as exc:
            raise CommandError(f"reading the source failed: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            rows = [
                (
                    c.entity,
                    c.tenant,
                    c.source_live,
                    c.source_deleted,
                    c.db_live,
                    c.db_deleted,
                    "ok" if c.ok else "MISMATCH",
                )
                for c in report.counts
            ]
            self.stdout.write(
                table(("entity", "tenant", "source", "source deleted", "db", "db deleted", "counts"), rows)
            )
            for problem in report.source_problems:
                self.stdout.write(f"source problem (record not compared): {problem}")
            for mismatch in report.mismatches:
                self.stdout.write(f"mismatch: {mismatch}")
        if not report.ok:
            raise CommandError(f"verification failed: {len(report.mismatches)} mismatch(es) in {source}")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("Verified: the database holds the source."))
