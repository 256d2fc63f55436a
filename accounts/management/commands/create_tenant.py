"""Create a tenant and its first admin."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accounts.services import AccountError, generate_password, tenant_create


class Command(BaseCommand):
    help = (
        "Create a tenant NAME and its first admin user (--admin-email). Prints the admin's one-time "
        "password unless --password is given. Exits non-zero, changing nothing, if the email is "
        "malformed or already used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The tenant's display name, e.g. 'Acme Support'.")
        parser.add_argument("--admin-email", required=True, help="Email the first admin signs in with.")
        parser.add_argument(
            "--admin-name", default="", help="The admin's display name (default: from email)."
        )
        parser.add_argument("--password", default=None, help="The admin's password (default: generate one).")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["admin_email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"--admin-email: '{email}' is not a valid email address.") from None
        password = options["password"] or generate_password()
        try:
            tenant, admin = tenant_create(
                name=options["name"], admin_email=email, admin_name=options["admin_name"], password=password
            )
        except AccountError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(f"Created tenant '{tenant.name}' (slug {tenant.slug}, id {tenant.pk}).")
        self.stdout.write(f"Admin: {admin.email}")
        if not options["password"]:
            self.stdout.write(f"One-time password: {password}")
