"""Account services: invitations, passwords, self-service limits, groups."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts import services
from accounts.models import User
from supportdesk.errors import PermissionDenied, ValidationFailed
from tests.factories import UserFactory
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db


def test_invite_emails_a_set_password_link_that_works(
    tenant, admin: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(
            tenant=tenant, actor=admin, data={"email": "New@Acme.example", "name": "Nia", "role": "agent"}
        )
    assert user.email == "new@acme.example" and not user.has_usable_password()
    assert_audited("user.created", user.pk, email=(None, "new@acme.example"))
    (message,) = mail.outbox
    uid, token = re.search(r"set-password/([^/]+)/([^/]+)/", message.body).groups()  # type: ignore[union-attr]
    services.user_set_password_with_token(uid=uid, token=token, password="a long new passphrase")
    assert User.objects.get(pk=user.pk).check_password("a long new passphrase")
    with pytest.raises(ValidationFailed):
        services.user_set_password_with_token(uid=uid, token=token, password="another long passphrase")


def test_duplicate_email_is_a_field_error(tenant, admin: User) -> None:
    UserFactory(tenant=tenant, email="taken@acme.example")
    with pytest.raises(ValidationFailed) as info:
        services.user_invite(tenant=tenant, actor=admin, data={"email": "TAKEN@acme.example", "name": "X"})
    assert list(info.value.details) == ["email"]


def test_users_change_their_own_password_with_the_current_one(agent: User) -> None:
    with pytest.raises(ValidationFailed):
        services.user_set_password(
            user=agent, actor=agent, password="a long new passphrase", current_password="no"
        )
    services.user_set_password(
        user=agent,
        actor=agent,
        password="a long new passphrase",
        current_password="correct horse battery staple",
    )
    assert User.objects.get(pk=agent.pk).check_password("a long new passphrase")


def test_agents_edit_only_their_own_profile_fields(agent: User, manager: User) -> None:
    services.user_update(user=agent, actor=agent, data={"name": "Alexandra"})
    with pytest.raises(ValidationFailed):
        services.user_update(user=agent, actor=agent, data={"role": "admin"})
    with pytest.raises(PermissionDenied):
        services.user_update(user=manager, actor=agent, data={"name": "Boss"})


def test_group_members_are_replaced_and_audited(tenant, admin: User, agent: User) -> None:
    group = services.group_create(tenant=tenant, actor=admin, data={"name": "Tier 2", "members": [agent]})
    assert list(group.members.all()) == [agent]
    services.group_update(group=group, actor=admin, data={"members": [admin]})
    assert list(group.members.all()) == [admin]
    assert_audited("group.members_changed", group.pk, members=([str(agent.pk)], [str(admin.pk)]))
