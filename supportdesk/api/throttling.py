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
    """One bucket per API token (or signed-in user, or client ip); rates in ``API_THROTTLE_RATES``."""

    def get_rate(self) -> str | None:
        # Read on each request, so operators (and tests) can change it through settings.
        return None

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = self._scope(request)
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.cache = throttle_cache()
        return super().allow_request(request, view)

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
