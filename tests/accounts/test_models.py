from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_users_sign_in_by_email_in_any_case() -> None:
    user = UserFactory(email="dana@example.com")
    assert authenticate(username="  Dana@Example.COM ", password=PASSWORD) == user
    assert Client().login(username="dana@example.com", password=PASSWORD)


def test_passwords_are_stored_hashed() -> None:
    user = UserFactory()
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("change", [{"status": "inactive"}, {"is_deleted": True}])
def test_inactive_or_deleted_users_cannot_sign_in(change: dict[str, object]) -> None:
    user = UserFactory(email="gone@example.com")
    User.all_objects.filter(pk=user.pk).update(**change)
    assert authenticate(username="gone@example.com", password=PASSWORD) is None
    assert not Client().login(username="gone@example.com", password=PASSWORD)


def test_is_active_follows_status_and_deletion_in_the_database() -> None:
    user = UserFactory()
    assert User.objects.get(pk=user.pk).is_active
    User.objects.filter(pk=user.pk).update(status="inactive")
    assert not User.all_objects.get(pk=user.pk).is_active


def test_argon2_is_the_production_hasher(settings) -> None:  # type: ignore[no-untyped-def]
    from supportdesk import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
