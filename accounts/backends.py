"""Sign-in throttling shared by every way in (admin, UI sign-in page, API basic auth).

``ThrottledModelBackend`` wraps Django's ``ModelBackend``: after ``LOGIN_THROTTLE_ACCOUNT_LIMIT``
failed attempts for one email, or ``LOGIN_THROTTLE_IP_LIMIT`` from one address, within
``LOGIN_THROTTLE_WINDOW`` seconds, further attempts are refused without checking the password
until the window ends. A success clears the account's count (not the address's). Counts live in
the cache (Redis in production), so they hold across workers.

``django.contrib.auth.authenticate`` turns the refusal into ``None``; forms that mix in
``ThrottleMessageMixin`` show the operator-readable reason instead of "wrong password".
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from supportdesk.request_context import client_address

logger = logging.getLogger(__name__)

THROTTLED_MESSAGE = "Too many failed sign-in attempts. Try again in {minutes} minute{s}."


class LoginThrottled(PermissionDenied):
    """Sign-in refused because of too many recent failures; ``wait`` is seconds until it may retry."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"sign-in throttled for {wait} s")
        self.wait = wait


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    """Cache key prefixes with their limits: one for the account, one for the client address."""
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    keys = [(f"login-throttle:account:{digest}", settings.LOGIN_THROTTLE_ACCOUNT_LIMIT)]
    ip = client_address(request) if request is not None else None
    if ip:
        keys.append((f"login-throttle:ip:{ip}", settings.LOGIN_THROTTLE_IP_LIMIT))
    return keys


def throttle_wait(request: HttpRequest | None, username: str) -> int:
    """Seconds until this account and address may try again (0: allowed now)."""
    wait = 0
    for key, limit in _keys(request, username):
        if (cache.get(f"{key}:count") or 0) >= limit:
            started = cache.get(f"{key}:started") or time.time()
            wait = max(wait, math.ceil(started + settings.LOGIN_THROTTLE_WINDOW - time.time()), 1)
    return wait


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count one failed attempt against the account and the address, for one window."""
    window = settings.LOGIN_THROTTLE_WINDOW
    for key, _limit in _keys(request, username):
        cache.add(f"{key}:started", time.time(), window)
        if not cache.add(f"{key}:count", 1, window):
            try:
                cache.incr(f"{key}:count")
            except ValueError:  # expired between add and incr
                cache.add(f"{key}:count", 1, window)


def clear_account(username: str) -> None:
    """Forget the account's failures (after a successful sign-in, or an operator's unlock)."""
    key = _keys(None, username)[0][0]
    cache.delete_many([f"{key}:count", f"{key}:started"])


def clear_address(ip: str) -> None:
    """Forget the failures counted against one client address (an operator's unlock)."""
    key = f"login-throttle:ip:{ip}"
    cache.delete_many([f"{key}:count", f"{key}:started"])


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` with per-account and per-address throttling of failed sign-ins."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        wait = throttle_wait(request, username)
        if wait:
            logger.warning("sign-in throttled (address %s)", client_address(request) if request else None)
            if request is not None:
                request.login_throttle_wait = wait  # type: ignore[attr-defined]
            raise LoginThrottled(wait)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        else:
            clear_account(username)
        return user


class ThrottleMessageMixin:
    """For ``AuthenticationForm`` subclasses: say "too many attempts" instead of "wrong password"."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc,no-any-return]
        except ValidationError:
            wait = getattr(self.request, "login_throttle_wait", 0)
            if wait:
                minutes = math.ceil(wait / 60)
                raise ValidationError(
                    THROTTLED_MESSAGE.format(minutes=minutes, s="" if minutes == 1 else "s"),
                    code="throttled",
                ) from None
            raise


class AdminLoginForm(ThrottleMessageMixin, AdminAuthenticationForm):
    """The admin site's sign-in form, with the throttling message."""
