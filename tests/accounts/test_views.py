"""Sign in, sign out, password reset and change, and the error pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.choices import UserStatus
from accounts.models import Group, User
from tests.factories import GroupFactory, UserFactory
from tests.helpers import assert_audited

PASSWORD = "correct horse battery staple"
REFUSAL = "That email and password do not match an active account."

pytestmark = pytest.mark.django_db


def test_front_page_is_the_sign_in_form_with_labelled_fields(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Email' in html
    assert '<label for="id_password">Password' in html
    assert ">Sign in</button>" in html
    assert "csrfmiddlewaretoken" in html
    assert "Forgot password?" in html


def test_sign_in_with_email_any_case_lands_on_the_inbox(client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/", {"username": agent.email.upper(), "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/tickets"
    assert client.get("/")["Location"] == "/tickets"  # signed in: the front page forwards


@pytest.mark.parametrize("which", ["password", "email", "inactive"])
def test_refusal_does_not_say_which_part_was_wrong(client: Client, agent, which: str) -> None:  # type: ignore[no-untyped-def]
    email, password = agent.email, PASSWORD
    if which == "password":
        password = "wrong"
    elif which == "email":
        email = "nobody@acme.example"
    else:
        agent.status = UserStatus.INACTIVE
        agent.save(update_fields=["status"])
    response = client.post("/", {"username": email, "password": password})
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_and_the_page_says_so(client: Client, agent, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE_ACCOUNT_LIMIT = 3
    for _ in range(3):
        client.post("/", {"username": agent.email, "password": "wrong"})
    # Even the right password is refused while the account is locked, with a message saying why.
    response = client.post("/", {"username": agent.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(agent)
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_forgot_password_emails_a_link_that_sets_a_new_password(client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/password/forgot", {"email": agent.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_url = client.get(link.group(1))["Location"]  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"}
    )
    assert response.status_code == 302, response.content.decode()
    assert client.login(username=agent.email, password="a new long passphrase")


def test_forgot_password_for_an_unknown_email_looks_the_same(client: Client) -> None:
    response = client.post("/password/forgot", {"email": "nobody@acme.example"})
    assert response.status_code == 302
    assert response["Location"] == "/password/forgot/sent"
    assert mail.outbox == []


def test_inactive_user_gets_no_reset_email(client: Client) -> None:
    user = UserFactory(status=UserStatus.INACTIVE)
    client.post("/password/forgot", {"email": user.email})
    assert mail.outbox == []


def test_change_password(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(agent)
    response = client.post(
        "/password/change",
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password("another long passphrase")


def test_change_password_needs_sign_in(client: Client) -> None:
    response = client.get("/password/change")
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=")


def test_404_page_uses_the_layout(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    response = client_for(agent).get("/no-such-page")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert 'aria-label="Main"' in html


# --- Settings: users, departments, groups ---------------------------------------------------------


def test_agent_is_refused_every_settings_page(client_for, agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(agent)
    for url in ("/settings", "/settings/users", "/settings/groups", "/settings/categories", "/settings/tags"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Not allowed" in response.content.decode()
    assert client.post("/settings/groups", {"action": "create", "new-name": "Sneaky"}).status_code == 403
    assert "Settings" not in client.get("/tickets").content.decode().split("</nav>")[0]


def test_admin_invites_a_user_who_gets_an_email(
    client_for, admin, tenant, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    page = client.get("/settings/users").content.decode()
    assert "Invite a user" in page and '<label for="id_new-email">Email' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/users",
            {
                "action": "create",
                "new-name": "Nina New",
                "new-email": "Nina@Acme.example",
                "new-role": "agent",
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(email="nina@acme.example")
    assert invited.tenant_id == tenant.pk and invited.role == "agent"
    assert len(mail.outbox) == 1 and "nina@acme.example" in mail.outbox[0].to
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body)
    assert link and client.get(link.group(1)).status_code in (
        200,
        302,
    )  # the link reaches the set-password form


def test_admin_changes_a_role_and_deactivates(client_for, admin, agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    client.post("/settings/users", {"action": "role", "pk": str(agent.pk), "role": "manager"})
    agent.refresh_from_db()
    assert agent.role == "manager"
    client.post("/settings/users", {"action": "deactivate", "pk": str(agent.pk)})
    agent.refresh_from_db()
    assert agent.status == UserStatus.INACTIVE
    assert_audited("user.updated", agent.pk, status=("active", "inactive"))


def test_manager_sees_users_read_only_and_cannot_change_them(client_for, manager, agent) -> None:  # type: ignore[no-untyped-def]
    client = client_for(manager)
    page = client.get("/settings/users").content.decode()
    assert agent.email in page
    assert "Send invitation" not in page and "Deactivate" not in page and "Read-only" in page
    response = client.post("/settings/users", {"action": "role", "pk": str(agent.pk), "role": "admin"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == "agent"
    assert "may not update users" in client.get("/settings/users").content.decode()


def test_admin_creates_and_deletes_groups_and_departments(client_for, admin, tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    for url in ("/settings/groups", "/settings/departments"):
        assert client.post(url, {"action": "create", "new-name": "Billing"}).status_code == 302
        assert "Billing" in client.get(url).content.decode()
    group = Group.objects.get(tenant=tenant, name="Billing")
    client.post("/settings/groups", {"action": "delete", "pk": str(group.pk)})
    assert not Group.objects.filter(pk=group.pk).exists()


def test_settings_rows_of_another_tenant_are_not_found(client_for, admin, other_tenant) -> None:  # type: ignore[no-untyped-def]
    foreign = UserFactory(tenant=other_tenant)
    client = client_for(admin)
    client.post("/settings/users", {"action": "deactivate", "pk": str(foreign.pk)})
    foreign.refresh_from_db()
    assert foreign.status == UserStatus.ACTIVE
    assert "User not found." in client.get("/settings/users").content.decode()


def test_admin_sets_group_members_and_a_foreign_user_is_refused(
    client_for, admin, agent, other_tenant
) -> None:  # type: ignore[no-untyped-def]
    group = GroupFactory(tenant=admin.tenant, name="Tier 2")
    client = client_for(admin)
    client.post("/settings/groups", {"action": "members", "pk": str(group.pk), "members": [str(agent.pk)]})
    assert list(group.members.all()) == [agent]
    page = client.get("/settings/groups").content.decode()
    assert f'<option value="{agent.pk}" selected>Alex Agent</option>' in page
    foreign = UserFactory(tenant=other_tenant)
    client.post("/settings/groups", {"action": "members", "pk": str(group.pk), "members": [str(foreign.pk)]})
    assert list(group.members.all()) == [agent]
    assert "User not found." in client.get("/settings/groups").content.decode()
