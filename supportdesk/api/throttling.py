"""API rate limits: per token for token clients, per user for sessions, per ip for the anonymous."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from redis import Redis
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken

logger = logging.getLogger(__name__)

# Used when no "throttle" cache is configured: counters per process, and never a database cache
# (which would add queries to every API request).
_PROCESS_COUNTERS = LocMemCache("supportdesk-api-throttle", {})


def throttle_cache() -> BaseCache:
    """``CACHES["throttle"]`` when configured (Redis: one count across workers), else process memory."""
    return caches["throttle"] if "throttle" in settings.CACHES else _PROCESS_COUNTERS


def _redis(cache: BaseCache) -> Redis | None:
    """The Redis client behind ``cache`` when it is django-redis's, else None."""
    if isinstance(cache, RedisCache):
        client: Redis = cache.client.get_client(write=True)
        return client
    return None


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per API token (or signed-in user, or client ip); rates in ``API_THROTTLE_RATES``.

    A sliding-window counter: two integers per bucket (this window's requests and the last
    window's), the last one weighted by how much of it still overlaps the sliding window. DRF's
    own throttle keeps every request's timestamp of the window in one cache entry and rewrites it
    on each request: 3,000 floats pickled per request for a busy token.

    On Redis a request costs one round trip: the window's counter is incremented and the last
    window's read in one pipeline, and a refused request takes its increment back. Increments are
    atomic, so concurrent requests cannot overshoot the limit. Other caches (process memory) read
    both counters, then count the request.
    """

    wait_seconds: float = 0.0

    def get_rate(self) -> str | None:
        # Read on each request, so operators (and tests) can change it through settings.
        return None

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = self._scope(request)
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.cache = throttle_cache()
        now = self.timer()
        elapsed = now % self.duration
        redis = _redis(self.cache)
        if redis is not None:
            return self._allow_on_redis(redis, now, elapsed)
        current, previous = self.counts(now)
        if self._over(current, previous, elapsed):
            return False
        key = self._window_key(now)
        try:
            self.cache.incr(key)
        except ValueError:  # the window's first request
            if not self.cache.add(key, 1, timeout=self._ttl):
                self.cache.incr(key)
        return True

    def _allow_on_redis(self, redis: Redis, now: float, elapsed: float) -> bool:
        make_key = self.cache.client.make_key  # type: ignore[attr-defined]
        key, last = make_key(self._window_key(now)), make_key(self._window_key(now - self.duration))
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self._ttl)
            pipe.get(last)
            counted, _, previous = pipe.execute()
            if self._over(int(counted) - 1, int(previous or 0), elapsed):
                redis.decr(key)  # a refused request is not counted
                return False
        except RedisError as exc:
            # Like every cache use here, an outage lets requests through rather than failing them.
            logger.warning("API rate limit not checked, the cache is unavailable: %s", exc)
        return True

    def _over(self, current: int, previous: int, elapsed: float) -> bool:
        """Whether one more request would pass the limit; if so, how long to wait is kept."""
        if current + previous * (1 - elapsed / self.duration) + 1 > self.num_requests:
            self.wait_seconds = self._wait(current, previous, elapsed)
            return True
        return False

    @property
    def _ttl(self) -> int:
        # A window's counter is read until the window after it ends.
        return int(2 * self.duration + 1)

    def counts(self, now: float) -> tuple[int, int]:
        """Requests counted in the window holding ``now`` and in the window before it."""
        current, previous = self._window_key(now), self._window_key(now - self.duration)
        found = self.cache.get_many([current, previous])
        return int(found.get(current, 0)), int(found.get(previous, 0))

    def _window_key(self, moment: float) -> str:
        return f"{self.key}:{int(moment // self.duration)}"

    def _wait(self, current: int, previous: int, elapsed: float) -> float:
        """Seconds until one more request fits: when enough of the last window has slid out."""
        rest_of_window = self.duration - elapsed
        if current + 1 > self.num_requests or previous == 0:
            return rest_of_window
        # previous * (1 - (elapsed + t) / duration) + current + 1 <= num_requests, solved for t.
        t = self.duration * (1 - (self.num_requests - 1 - current) / previous) - elapsed
        return max(1.0, min(t, rest_of_window))

    def wait(self) -> float | None:
        return self.wait_seconds

    @staticmethod
    def _scope(request: Request) -> str:
        if isinstance(request.auth, ApiToken):
            return "token"
        return "user" if request.user and request.user.is_authenticated else "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = str(request.auth.pk)
        elif request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
