from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.choices import Role
from accounts.models import Tenant, User
from audit.models import AuditLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_tenant", *args, stdout=out)
    return out.getvalue()


def test_create_tenant_creates_the_tenant_and_an_admin_who_can_sign_in_with_the_printed_password() -> None:
    output = run("Initech Support", "--admin-email", " Bill@Initech.Example ")
    tenant = Tenant.objects.get(name="Initech Support")
    admin = User.objects.get(tenant=tenant)
    assert admin.email == "bill@initech.example"
    assert admin.role == Role.ADMIN
    password = output.strip().splitlines()[-1].removeprefix("One-time password: ")
    assert authenticate(username="bill@initech.example", password=password) == admin
    assert set(AuditLog.objects.filter(tenant=tenant).values_list("action", flat=True)) == {
        "tenant.created",
        "user.created",
    }


def test_create_tenant_takes_a_password_and_does_not_print_it() -> None:
    output = run("Hooli", "--admin-email", "gavin@hooli.example", "--password", "s3cret-pass-phrase")
    assert "s3cret-pass-phrase" not in output
    assert authenticate(username="gavin@hooli.example", password="s3cret-pass-phrase") is not None


def test_a_second_tenant_with_the_same_name_gets_its_own_slug() -> None:
    run("Acme", "--admin-email", "a1@acme.example")
    run("Acme", "--admin-email", "a2@acme.example")
    assert sorted(Tenant.objects.values_list("slug", flat=True)) == ["acme", "acme-2"]


def test_an_email_already_in_use_is_refused_and_nothing_is_created() -> None:
    UserFactory(email="taken@example.com")
    tenants_before = Tenant.objects.count()
    with pytest.raises(CommandError, match=r"taken@example\.com already exists"):
        run("Dup Inc", "--admin-email", "TAKEN@example.com")
    assert Tenant.objects.count() == tenants_before


def test_a_malformed_email_is_refused() -> None:
    with pytest.raises(CommandError, match="not a valid email"):
        run("Bad Inc", "--admin-email", "not-an-email")
    assert not Tenant.objects.filter(name="Bad Inc").exists()
