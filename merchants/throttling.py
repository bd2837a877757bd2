"""Rate limits of the merchant API on django-ratelimit's core API (shared cache: Redis).

These limits guard secrets (client secrets, passwords, tokens), so they fail closed:
when the cache cannot count, the request is refused with 503 instead of running
unlimited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from rest_framework_simplejwt.exceptions import TokenError

from core import net
from core.conf import app_settings
from core.errors import RateLimited, ServiceUnavailable

logger = logging.getLogger("onboarding.accounts.ratelimit")

GROUP_CREATE = "merchant.account.create"
GROUP_TOKEN = "merchant.token"  # noqa: S105 (a label)
GROUP_LOGIN_FAILURES = "merchant.login.failures"


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def client_ip(request: HttpRequest) -> str:
    """The caller's address; behind trusted proxies, the one they report (core/net.py)."""
    return net.client_ip(request)


def client_or_ip(request: HttpRequest) -> str:
    """The client id of a valid client token, else the caller's IP (limits token guessing)."""
    from .authentication import bearer_token
    from .tokens import CLIENT_CLAIM, ClientAccessToken

    raw = bearer_token(request)
    if raw:
        try:
            token = ClientAccessToken(raw)  # type: ignore[arg-type]  # simplejwt types the encoded token as Token
            return f"client:{token[CLIENT_CLAIM]}"
        except (TokenError, KeyError):
            pass
    return f"ip:{client_ip(request)}"


def _usage(request: Any, *, group: str, value: str, rate: str, increment: bool) -> dict | None:
    try:
        usage = get_usage(request, group=group, key=lambda _g, _r: value, rate=rate, increment=increment)
    except Exception as exc:  # any cache failure: refuse, never run unlimited
        logger.warning("rate-limit cache unavailable: %s", type(exc).__name__)
        raise ServiceUnavailable() from exc
    if usage is not None and usage["limit"] == 0 and usage["time_left"] == -1:
        # django-ratelimit's "count failed" answer (cache returned nothing).
        logger.warning("rate-limit cache returned no count")
        raise ServiceUnavailable()
    return usage


def hit(request: Any, *, group: str, value: str, rate: str) -> Usage | None:
    """Count one request; raise RateLimited past the limit. None when limits are disabled."""
    usage = _usage(request, group=group, value=value, rate=rate, increment=True)
    if usage is None:
        return None
    reset = max(1, int(usage["time_left"]))
    result = Usage(usage["limit"], max(0, usage["limit"] - usage["count"]), reset)
    if usage["should_limit"]:
        raise RateLimited(retry_after=reset, headers=result.headers())
    return result


def _failure_counters(*, username: str, address: str) -> list[tuple[str, str]]:
    """(key, rate) of the two failure counters of a login: this account from this address
    (the low limit, so a guesser is stopped), and this account from anywhere (a higher
    ceiling, so many addresses cannot try without end)."""
    name = username.lower()
    return [
        (f"{name}|{address}", app_settings.MERCHANT_LOGIN_FAILURE_LIMIT),
        (name, app_settings.MERCHANT_LOGIN_ACCOUNT_FAILURE_LIMIT),
    ]


def failures_check(request: Any, *, username: str, address: str) -> None:
    """Refuse a login for an account that has had too many failures lately, from this address
    or in all; failures from elsewhere do not lock its owner out."""
    for value, rate in _failure_counters(username=username, address=address):
        usage = _usage(request, group=GROUP_LOGIN_FAILURES, value=value, rate=rate, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            raise RateLimited(retry_after=max(1, int(usage["time_left"])))


def failures_record(request: Any, *, username: str, address: str) -> bool:
    """Count a failed login on both counters; True when this failure reached a limit."""
    reached = False
    for value, rate in _failure_counters(username=username, address=address):
        usage = _usage(request, group=GROUP_LOGIN_FAILURES, value=value, rate=rate, increment=True)
        if usage is not None and usage["count"] == usage["limit"]:
            reached = True
    return reached


@dataclass(frozen=True)
class Rule:
    group: str
    key: Callable[[HttpRequest], str]
    rate: Callable[[], str]


CREATE_ACCOUNT_RULE = Rule(GROUP_CREATE, client_or_ip, lambda: app_settings.MERCHANT_RATE_LIMIT)


def token_endpoint_rule(name: str) -> Rule:
    """Per-IP limit of one token endpoint (client token, login, refresh, password change)."""
    return Rule(
        f"{GROUP_TOKEN}.{name}",
        lambda r: f"ip:{client_ip(r)}",
        lambda: app_settings.MERCHANT_LOGIN_RATE_LIMIT,
    )


class RateLimitMixin:
    """Checks `rate_limits[action]` before authentication (so bad tokens are counted too)
    and puts X-RateLimit-* on the responses it allowed."""

    rate_limits: dict[str, Rule] = {}

    def initial(self, request, *args, **kwargs):
        rule = self.rate_limits.get(getattr(self, "action", None) or "")
        if rule is not None:
            request.merchant_rate_usage = hit(
                request, group=rule.group, value=rule.key(request), rate=rule.rate()
            )
        return super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        usage = getattr(request, "merchant_rate_usage", None)
        if usage is not None and response.status_code != 429:
            for name, value in usage.headers().items():
                response[name] = value
        return response
