"""Shared fixtures: tenants, users of each role, API clients. Real PostgreSQL throughout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from accounts.choices import Role
from accounts.models import Tenant, User
from tests.factories import TenantFactory, UserFactory


def pytest_configure(config: pytest.Config) -> None:
    # Local memory from the start, so that code running at collection time (the schemathesis
    # schema load) never reaches for the database cache table either.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> None:
    # Argon2 is deliberately slow; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _local_memory_cache(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    # Each test starts with an empty cache of its own (no Redis, no cache table needed).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    yield
    cache.clear()


@pytest.fixture
def tenant(db) -> Tenant:  # type: ignore[no-untyped-def]
    return TenantFactory(name="Acme Support")


@pytest.fixture
def other_tenant(db) -> Tenant:  # type: ignore[no-untyped-def]
    return TenantFactory(name="Globex Helpdesk")


@pytest.fixture
def admin(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.ADMIN, name="Ada Admin", email="ada@acme.example")


@pytest.fixture
def manager(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.MANAGER, name="Max Manager", email="max@acme.example")


@pytest.fixture
def agent(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.AGENT, name="Alex Agent", email="alex@acme.example")


@pytest.fixture
def client_for(db) -> Callable[[User], Client]:  # type: ignore[no-untyped-def]
    """A Django test client signed in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
