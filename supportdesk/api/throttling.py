"""API rate limits: per token for token clients, per user for sessions, per ip for the anonymous."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken

# Used when no "throttle" cache is configured: counters per process, and never a database cache
# (which would add queries to every API request).
_PROCESS_COUNTERS = LocMemCache("supportdesk-api-throttle", {})


def throttle_cache() -> BaseCache:
    """``CACHES["throttle"]`` when configured (Redis: one count across workers), else process memory."""
    return caches["throttle"] if "throttle" in settings.CACHES else _PROCESS_COUNTERS


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per API token (or signed-in user, or client ip); rates in ``API_THROTTLE_RATES``.

    A sliding-window counter: two integers per bucket (this window's requests and the last
    window's), the last one weighted by how much of it still overlaps the sliding window. DRF's
    own throttle keeps every request's timestamp of the window in one cache entry and rewrites it
    on each request: 3,000 floats pickled per request for a busy token. Concurrent requests may
    overshoot the limit by the few that race (the check and the increment are two commands).
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
        current, previous = self.counts(now)
        elapsed = now % self.duration
        if current + previous * (1 - elapsed / self.duration) + 1 > self.num_requests:
            self.wait_seconds = self._wait(current, previous, elapsed)
            return False
        key = self._window_key(now)
        try:
            self.cache.incr(key)
        except ValueError:  # the window's first request
            if not self.cache.add(key, 1, timeout=2 * self.duration + 1):
                self.cache.incr(key)
        return True

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
