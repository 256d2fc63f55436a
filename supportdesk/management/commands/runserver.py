"""Django's development server, which starts and stays up while the database is down."""

from __future__ import annotations

from django.core.management.commands.runserver import Command as DjangoRunserverCommand
from django.db import OperationalError

from supportdesk.database import describe


class Command(DjangoRunserverCommand):
    help = (
        DjangoRunserverCommand.help + " If the database is unreachable at start the server still comes up "
        "(pages needing the database answer 503) and recovers when the database returns."
    )

    def check_migrations(self) -> None:
        try:
            super().check_migrations()
        except OperationalError as exc:
            reason = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            self.stderr.write(
                f"Database unreachable ({describe()}): {reason}. Serving anyway; retrying per request."
            )
