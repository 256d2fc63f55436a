"""``manage.py migrate_mock_data``: load the old app's export into the desk, safely and repeatably."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from supportdesk.mockdata.feeder import ReaderFailed
from supportdesk.mockdata.loader import Migration, RunResult, SourceInvalid
from supportdesk.mockdata.output import StepProgress, table
from supportdesk.mockdata.spec import STEPS

DEFAULT_SOURCE = settings.BASE_DIR / "fixtures" / "mock"


class Command(BaseCommand):
    """Validate the whole source, then load it in one transaction with set-based SQL."""

    help = (
        "Load the old app's data export (one JSON array per entity, see docs/mock-data-format.md) into "
        "the database. The whole source is read and checked first; any problem stops the run with a "
        "report and leaves the database exactly as it was. Re-running over the same source changes "
        "nothing; over a changed source it updates what changed since the last import, keeping rows "
        "edited in the desk since (reported as conflicts). The run is one transaction: killed at any "
        "point, the database is as before, and the next run converges. Output: a progress bar per file "
        "while reading (plain lines when not on a terminal), a line per applied step, every problem "
        "and conflict on stderr, then a summary table per entity: read, created, updated, unchanged, "
        "rejected, conflicts, seconds. Exits non-zero when the source has problems (without "
        "--allow-rejects) or the database refuses the import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_SOURCE,
            help="Directory holding users.json, tickets.json, ... and the attachment files "
            "(default: fixtures/mock).",
        )
        parser.add_argument(
            "--only",
            type=lambda value: tuple(s.strip() for s in value.split(",") if s.strip()),
            default=STEPS,
            metavar="STEP,...",
            help="Apply only these steps (still validating the whole source). Steps, in order: "
            + ", ".join(STEPS)
            + ". Records they refer to must already be in the database.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would be created, updated or left unchanged; write nothing.",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            metavar="FILE",
            help="Also write every problem as one JSON object per line "
            "(file, record, field, problem, index) to FILE.",
        )
        parser.add_argument(
            "--allow-rejects",
            action="store_true",
            help="Load the valid records and leave out each bad one and every record that depends on it "
            "(all listed in the report and the rejects file). "
            "A file that cannot be read still stops the run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = [s for s in options["only"] if s not in STEPS]
        if unknown:
            raise CommandError(f"unknown step(s) {', '.join(unknown)}; the steps are: {', '.join(STEPS)}")
        source: Path = options["source"]
        if not source.is_dir():
            raise CommandError(f"source directory {source} does not exist")
        rejects: Path | None = options["rejects"]
        if rejects is not None:
            # Found out now, not after a committed import that would then look like it failed.
            try:
                rejects.open("w", encoding="utf-8").close()
            except OSError as exc:
                raise CommandError(f"cannot write the rejects file {rejects}: {exc.strerror}") from None
        progress = StepProgress(self.stdout, tty=self.stdout.isatty())
        migration = Migration(
            source=source,
            only=options["only"],
            dry_run=options["dry_run"],
            allow_rejects=options["allow_rejects"],
            progress=progress,
            step_done=lambda name, step: self._step_line(progress, name, step),
        )
        try:
            result = migration.run()
        except SourceInvalid as exc:
            progress.finish()
            self._report(exc.result, options["rejects"])
            raise CommandError(
                f"{len(exc.result.problems)} problem(s) in {source}; nothing was written. "
                "Fix the source, or use --allow-rejects to load the valid records."
            ) from None
        except DatabaseError as exc:
            progress.finish()
            raise CommandError(f"the database refused the import, nothing was written: {exc}") from None
        except ReaderFailed as exc:
            progress.finish()
            raise CommandError(f"reading the source failed, nothing was written: {exc}") from None
        progress.finish()
        self._report(result, options["rejects"])
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
        elif result.problems:
            self.stdout.write(self.style.WARNING(f"Loaded with {len(result.problems)} rejected record(s)."))
        else:
            self.stdout.write(self.style.SUCCESS("Migration complete."))

    def _step_line(self, progress: StepProgress, name: str, step: Any) -> None:
        progress.finish()
        self.stdout.write(
            f"applied {name}: {step.created} created, {step.updated} updated, {step.unchanged} unchanged"
        )

    def _report(self, result: RunResult, rejects: Path | None) -> None:
        for problem in result.problems:
            self.stderr.write(f"problem: {problem}")
        for conflict in result.conflicts:
            self.stderr.write(f"conflict: {conflict}")
        if rejects is not None:
            with rejects.open("w", encoding="utf-8") as handle:
                for problem in result.problems:
                    handle.write(json.dumps(problem.as_dict(), ensure_ascii=False) + "\n")
        rows = [
            (name, s.read, s.created, s.updated, s.unchanged, s.rejected, s.conflicts, round(s.seconds, 2))
            for name, s in result.steps.items()
        ]
        self.stdout.write(
            table(
                ("entity", "read", "created", "updated", "unchanged", "rejected", "conflicts", "seconds"),
                rows,
            )
        )
        if result.tenants_created:
            self.stdout.write(f"tenants created: {result.tenants_created}")
        sys.stdout.flush()
