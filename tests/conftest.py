"""Shared fixtures: tenants, users of each role, API clients. Real PostgreSQL throughout."""

from __future__ import annotations

import shutil
import subprocess
import time
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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Redis on a Unix socket (the production cache); skips where none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    sock = tmp_path_factory.mktemp("redis") / "redis.sock"
    proc = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)
        yield f"unix://{sock}?db=0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
