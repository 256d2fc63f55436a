"""Sign-in throttling by account and by address, shared by every sign-in path."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE_ACCOUNT_LIMIT = 3
    settings.LOGIN_THROTTLE_IP_LIMIT = 5
    settings.LOGIN_THROTTLE_WINDOW = 600
    return settings


def attempt(email: str, password: str, ip: str = "198.51.100.1") -> User | None:
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    return authenticate(request, username=email, password=password)  # type: ignore[return-value]


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(
    agent: User, limits
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert attempt(agent.email, "wrong") is None
    assert attempt(agent.email, PASSWORD) is None
    # From another address too: the account itself is throttled.
    assert attempt(agent.email.upper(), PASSWORD, ip="198.51.100.99") is None


def test_a_success_clears_the_accounts_failures(agent: User, limits) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        attempt(agent.email, "wrong")
    assert attempt(agent.email, PASSWORD) == agent
    for _ in range(2):
        attempt(agent.email, "wrong")
    assert attempt(agent.email, PASSWORD) == agent


def test_an_address_is_locked_after_failures_across_accounts(agent: User, limits) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        assert attempt(f"guess{n}@example.com", "wrong", ip="203.0.113.7") is None
    assert attempt(agent.email, PASSWORD, ip="203.0.113.7") is None
    assert attempt(agent.email, PASSWORD, ip="203.0.113.8") == agent


def test_the_admin_sign_in_page_says_why(client: Client, admin: User, limits) -> None:  # type: ignore[no-untyped-def]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    for _ in range(3):
        response = client.post("/admin/login/", {"username": admin.email, "password": "wrong"})
        assert "Too many" not in response.content.decode()
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-in attempts. Try again in 10 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unlock_sign_in_lifts_the_throttle_early(agent: User, limits) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        attempt(agent.email if n < 3 else f"other{n}@example.com", "wrong", ip="203.0.113.7")
    assert attempt(agent.email, PASSWORD, ip="203.0.113.7") is None

    out = io.StringIO()
    call_command("unlock_sign_in", "--email", agent.email.upper(), stdout=out)
    assert f"account {agent.email}" in out.getvalue()
    assert attempt(agent.email, PASSWORD, ip="203.0.113.8") == agent
    assert attempt(agent.email, PASSWORD, ip="203.0.113.7") is None  # the address is still locked

    call_command("unlock_sign_in", "--ip", "203.0.113.7", stdout=io.StringIO())
    assert attempt(agent.email, PASSWORD, ip="203.0.113.7") == agent


def test_unlock_sign_in_needs_something_to_unlock() -> None:
    with pytest.raises(CommandError, match="--email"):
        call_command("unlock_sign_in")
    with pytest.raises(CommandError, match="Not an IP address"):
        call_command("unlock_sign_in", "--ip", "nope")
