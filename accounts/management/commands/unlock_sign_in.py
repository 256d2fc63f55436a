"""``manage.py unlock_sign_in``: lift sign-in throttling for an account or an address early."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.backends import clear_account, clear_address


class Command(BaseCommand):
    """Forget the failed sign-ins counted against an email and/or a client address."""

    help = (
        "Lift sign-in throttling before its window ends: forget the failed attempts counted against "
        "an account (--email) and/or a client address (--ip). Throttling (LOGIN_THROTTLE_* settings) "
        "otherwise ends by itself after LOGIN_THROTTLE_WINDOW seconds. Give at least one option."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", action="append", default=[], help="Account email (repeatable).")
        parser.add_argument("--ip", action="append", default=[], help="Client address (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        emails, addresses = options["email"], options["ip"]
        if not emails and not addresses:
            raise CommandError("Give --email EMAIL and/or --ip ADDRESS to unlock.")
        for address in addresses:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise CommandError(f"Not an IP address: {address!r}") from None
        for email in emails:
            clear_account(email)
            self.stdout.write(f"Unlocked sign-in for account {email.strip().lower()}.")
        for address in addresses:
            clear_address(address)
            self.stdout.write(f"Unlocked sign-in from address {address}.")
