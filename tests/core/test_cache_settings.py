"""Which caches the settings choose: Redis for everything shared when REDIS_URL is set."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

SHOW = (
    "from django.conf import settings; c = settings.CACHES; t = c.get('throttle', {}); "
    "print(c['default']['BACKEND'], t.get('BACKEND', '-'), t.get('LOCATION', '-'))"
)


def caches_with(**env: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW],
        cwd=settings.BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_with_redis_the_cache_and_the_api_rate_limit_counters_are_shared() -> None:
    assert caches_with(REDIS_URL="redis://cache.internal:6379/1") == [
        "django_redis.cache.RedisCache",
        "django_redis.cache.RedisCache",
        "redis://cache.internal:6379/1",
    ]


def test_without_redis_the_cache_is_a_database_table_and_counters_stay_in_process() -> None:
    assert caches_with() == ["supportdesk.cache_backends.DatabaseCache", "-", "-"]
