"""``manage.py create_api_token EMAIL``: create an API token; the key is the last line of output."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_create
from supportdesk.errors import ServiceError

MAX_DAYS = 3650


class Command(BaseCommand):
    """Create an API token for a user; prints the key (shown only once) as the last line."""

    help = "Create an API token for the user with this email. The token is printed as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="A label to tell tokens apart (e.g. 'CI').")
        parser.add_argument("--days", type=int, default=None, help="Expire the token after this many days.")

    def handle(self, *args: Any, email: str, name: str, days: int | None, **options: Any) -> None:
        try:
            user = User.objects.get(email__iexact=email.strip())
        except User.DoesNotExist as exc:
            raise CommandError(
                f"No active user with email {email}; check the address or create the user."
            ) from exc
        if days is not None and not 0 < days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        expires_at = timezone.now() + datetime.timedelta(days=days) if days is not None else None
        try:
            token, key = api_token_create(
                user=user, actor=user, name=name or "create_api_token", expires_at=expires_at
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created token {token.prefix}… for {user.email} (tenant {user.tenant.name}).")
        self.stdout.write(
            "Keep it secret: it is shown only this once. Use it as 'Authorization: Token <key>'."
        )
        self.stdout.write(key)
