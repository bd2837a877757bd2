"""Per-key rate limit of the customers API on django-ratelimit's core (cache-backed)."""

import logging

from django_ratelimit.core import get_usage
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.conf import app_settings
from core.errors import RateLimited

logger = logging.getLogger("onboarding.customers.ratelimit")

GROUP = "customers-api"


def _key(group: str, request: Request) -> str:
    return str(request.auth.pk)


def _rate(group: str, request: Request) -> str:
    return app_settings.CUSTOMERS_RATE_LIMIT


class ApiKeyRateThrottle(BaseThrottle):
    """Counts every authenticated request against its key; over the rate is a 429.

    If the cache is unreachable the request goes through (availability over
    strictness) and a warning is logged, never naming the key.
    """

    def allow_request(self, request: Request, view) -> bool:
        if request.auth is None:
            return True
        try:
            usage = get_usage(request, group=GROUP, key=_key, rate=_rate, increment=True)
        except Exception:
            logger.warning("rate limit cache unavailable; request allowed without limiting")
            return True
        if usage is None:
            return True
        if usage["limit"] == 0 and usage["time_left"] == -1:
            # django-ratelimit's marker for "the cache did not answer".
            logger.warning("rate limit cache unavailable; request allowed without limiting")
            return True
        if usage["should_limit"]:
            raise RateLimited(
                "Too many requests for this API key, retry later",
                retry_after=max(1, usage["time_left"]),
            )
        return True
