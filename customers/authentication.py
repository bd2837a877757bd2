"""API-key authentication for the customers API (header PLANBOK-X-API-KEY)."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from core.crypto import constant_time_equal, sha256_hex
from core.errors import Unauthenticated

from .models import ApiKey, Organization

logger = logging.getLogger("onboarding.customers.auth")

HEADER_NAME = "PLANBOK-X-API-KEY"
META_NAME = "HTTP_PLANBOK_X_API_KEY"
KEY_PREFIX = "ogk_"
PREFIX_LENGTH = 12
# ogk_<12 hex lookup prefix>_<43 url-safe chars = 256 random bits>
KEY_RE = re.compile(r"^ogk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
LAST_USED_INTERVAL_SECONDS = 300


@dataclass(frozen=True)
class ApiClient:
    """request.user for the customers API: the organization acting through one key."""

    api_key: ApiKey

    @property
    def organization(self) -> Organization:
        return self.api_key.organization

    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return f"apikey:{self.api_key.prefix}"


def api_key_from_raw(raw: str) -> ApiKey | None:
    """The active key matching `raw`, in one indexed query; None when unknown or revoked."""
    match = KEY_RE.match(raw)
    if match is None:
        return None
    api_key = ApiKey.objects.select_related("organization").filter(prefix=match.group(1)).first()
    # Compare even when the prefix is unknown so a miss costs the same as a bad secret.
    expected = api_key.key_hash if api_key is not None else "0" * 64
    if not constant_time_equal(sha256_hex(raw), expected) or api_key is None:
        return None
    if not api_key.is_active:
        return None
    return api_key


# Per process: when this worker last passed the shared gate for a key. Within the interval
# it skips the cache round trip too (last_used_at is minute-grained bookkeeping).
_touched: dict[object, float] = {}


def touch_last_used(api_key: ApiKey) -> None:
    """Record use at most once per key per interval: a cache.add gates the UPDATE."""
    now_mono = time.monotonic()
    if now_mono - _touched.get(api_key.pk, -LAST_USED_INTERVAL_SECONDS) < LAST_USED_INTERVAL_SECONDS:
        return
    if len(_touched) > 10_000:
        _touched.clear()
    _touched[api_key.pk] = now_mono
    try:
        first_in_window = cache.add(f"apikey-used:{api_key.pk}", 1, LAST_USED_INTERVAL_SECONDS)
    except Exception:  # cache down: skip the bookkeeping, never the request
        logger.warning("cache unavailable; last_used_at not updated")
        return
    if first_in_window:
        now = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def request_api_client(request: Request) -> ApiClient:
    """The ApiClient that ApiKeyAuthentication put on request.user (typed for the views)."""
    client = request.user
    if not isinstance(client, ApiClient):
        raise Unauthenticated(f"Missing API key: send the {HEADER_NAME} header")
    return client


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey]:
        raw = request.META.get(META_NAME, "")
        if not raw:
            raise Unauthenticated(f"Missing API key: send the {HEADER_NAME} header")
        api_key = api_key_from_raw(raw.strip())
        if api_key is None:
            raise Unauthenticated("Invalid or revoked API key")
        touch_last_used(api_key)
        return ApiClient(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return HEADER_NAME


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "customers.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER_NAME}
