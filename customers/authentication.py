"""API-key authentication for the customers API (header PLANBOK-X-API-KEY).

A verified key is remembered in the worker process and trusted again only while the
revocation epoch in Redis still has the value read before that verification. The epoch
is read in the same Redis round trip that counts the request against the key's rate
limit (customers.throttling), and every change to a key or its organization gives it a
new value (api_keys_changed), so a revoked key is refused on the very next request in
every worker. When the epoch cannot be read (Redis down, a value of the wrong type), the
key is checked in PostgreSQL as if nothing were cached.
"""

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

from core.conf import app_settings
from core.crypto import constant_time_equal, sha256_hex
from core.db import model_from_values
from core.errors import Unauthenticated

from .epoch_cache import MAX_SECONDS, config_changed, on_config_change
from .models import ApiKey, Organization
from .throttling import Gate, gate_read, gate_unavailable

logger = logging.getLogger("onboarding.customers.auth")

HEADER_NAME = "PLANBOK-X-API-KEY"
META_NAME = "HTTP_PLANBOK_X_API_KEY"
KEY_PREFIX = "ogk_"
PREFIX_LENGTH = 12
# ogk_<12 hex lookup prefix>_<43 url-safe chars = 256 random bits>
KEY_RE = re.compile(r"^ogk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
LAST_USED_INTERVAL_SECONDS = 300
# A cached verification is redone after this long even if the epoch never moved: the
# bound for the one case the epoch cannot cover (a revocation whose epoch update was
# lost because Redis was unreachable from the revoking process only).
KEY_CACHE_SECONDS = MAX_SECONDS
KEY_CACHE_MAX_ENTRIES = 10_000


# The attributes a worker remembers of a verified key and its organization.
_KEY_FIELDS = ("id", "organization_id", "name", "kind", "prefix", "key_hash", "created_at", "revoked_at")
# customer_count is left out on purpose: it is deferred, so a reader gets it fresh.
_ORG_FIELDS = ("id", "name", "created_at")


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


@dataclass(frozen=True)
class _Verified:
    """What one worker remembers of a key it verified, and under which epoch."""

    key_id: object
    key_hash: str
    epoch: str
    at: float
    key_values: dict
    org_values: dict

    def api_key(self) -> ApiKey:
        """Fresh instances per request: nothing mutable is shared between requests.

        Built from the remembered attribute values without Model.__init__ (core.db).
        """
        api_key = model_from_values(ApiKey, self.key_values)
        api_key._state.fields_cache["organization"] = model_from_values(Organization, self.org_values)
        return api_key


# Per worker process: lookup prefix -> verification. The prefix is not secret; the
# presented key's hash is still compared in constant time on every request.
_verified: dict[str, _Verified] = {}


def api_key_cache_clear() -> None:
    _verified.clear()


on_config_change(api_key_cache_clear)


def api_key_from_raw(raw: str) -> ApiKey | None:
    """The active key matching `raw`, in one indexed query; None when unknown or revoked."""
    match = KEY_RE.match(raw)
    if match is None:
        return None
    return _api_key_lookup(match.group(1), sha256_hex(raw))


def _api_key_lookup(prefix: str, digest: str) -> ApiKey | None:
    api_key = ApiKey.objects.select_related("organization").filter(prefix=prefix).first()
    # Compare even when the prefix is unknown so a miss costs the same as a bad secret.
    expected = api_key.key_hash if api_key is not None else "0" * 64
    if not constant_time_equal(digest, expected) or api_key is None:
        return None
    if not api_key.is_active:
        return None
    return api_key


def _remember(prefix: str, api_key: ApiKey, epoch: str) -> None:
    if len(_verified) >= KEY_CACHE_MAX_ENTRIES:
        _verified.clear()
    organization = api_key.organization
    _verified[prefix] = _Verified(
        key_id=api_key.pk,
        key_hash=api_key.key_hash,
        epoch=epoch,
        at=time.monotonic(),
        key_values={f: getattr(api_key, f) for f in _KEY_FIELDS},
        org_values={f: getattr(organization, f) for f in _ORG_FIELDS},
    )


def _gate(key_id: object | None) -> Gate:
    """The request's one cache trip; on failure an unavailable Gate (never an exception)."""
    rate = app_settings.CUSTOMERS_RATE_LIMIT
    try:
        return gate_read(key_id=key_id, rate=rate)
    except Exception:
        # Anything remembered may have missed an epoch change while the cache was away.
        api_key_cache_clear()
        return gate_unavailable(rate=rate)


def api_key_authenticate(raw: str) -> tuple[ApiKey | None, Gate]:
    """The active key for `raw` and the request's Gate (rate count and epoch).

    Cached path: one Redis trip and no SQL. Otherwise the epoch is read *before* the key
    row, so a revocation committed after that read is caught by the next epoch comparison.
    """
    match = KEY_RE.match(raw)
    if match is None:
        return None, gate_unavailable(rate=app_settings.CUSTOMERS_RATE_LIMIT)
    prefix, digest = match.group(1), sha256_hex(raw)
    entry = _verified.get(prefix)
    if (
        entry is not None
        and time.monotonic() - entry.at < KEY_CACHE_SECONDS
        and constant_time_equal(digest, entry.key_hash)
    ):
        gate = _gate(entry.key_id)
        if gate.epoch is not None and constant_time_equal(gate.epoch, entry.epoch):
            return entry.api_key(), gate
        # The epoch moved or cannot be read: check the row again (the count is made).
    else:
        gate = _gate(None)  # the epoch alone; the count follows once the key is known
    _verified.pop(prefix, None)
    api_key = _api_key_lookup(prefix, digest)
    if api_key is not None and gate.epoch is not None:
        _remember(prefix, api_key, gate.epoch)
    return api_key, gate


def api_keys_changed() -> None:
    """A key or an organization changed: every worker must verify its keys again (the
    organization config epoch moves now and after commit: customers.epoch_cache)."""
    config_changed()


def _on_key_saved(sender, instance, created, **kwargs) -> None:
    if not created:  # a new key is in nobody's cache yet
        api_keys_changed()


def _on_deleted(sender, instance, **kwargs) -> None:
    api_keys_changed()


def _on_config_saved(sender, instance, **kwargs) -> None:
    config_changed()  # created too: an organization's cached allowlist or subscriptions grow


def connect_signals() -> None:
    """Edits through the admin or the ORM, and deletions (an organization's cascade
    included), move the organization config epoch (customers.epoch_cache): API keys,
    organizations, redirect allowlists and webhook endpoints. Bulk UPDATEs call
    api_keys_changed / config_changed themselves."""
    from django.db.models.signals import post_delete, post_save

    from webhooks.models import Endpoint

    from .models import RedirectOrigin

    post_save.connect(_on_key_saved, sender=ApiKey, dispatch_uid="customers.apikey.saved")
    post_delete.connect(_on_deleted, sender=ApiKey, dispatch_uid="customers.apikey.deleted")
    post_delete.connect(_on_deleted, sender=Organization, dispatch_uid="customers.organization.deleted")
    for model in (RedirectOrigin, Endpoint):
        label = model._meta.label_lower
        post_save.connect(_on_config_saved, sender=model, dispatch_uid=f"customers.config.{label}.saved")
        post_delete.connect(_on_deleted, sender=model, dispatch_uid=f"customers.config.{label}.deleted")


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


def request_config_epoch(request: Request) -> str | None:
    """The organization config epoch this request read with its rate count (None: unread)."""
    gate = getattr(request._request, "customers_gate", None)  # noqa: SLF001 (the HttpRequest)
    return gate.epoch if isinstance(gate, Gate) else None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey]:
        raw = request.META.get(META_NAME, "")
        if not raw:
            raise Unauthenticated(f"Missing API key: send the {HEADER_NAME} header")
        api_key, gate = api_key_authenticate(raw.strip())
        if api_key is None:
            raise Unauthenticated("Invalid or revoked API key")
        # The throttle reads the count made in the same trip as the epoch.
        setattr(request._request, "customers_gate", gate)  # noqa: B010, SLF001 (DRF's way to the HttpRequest)
        touch_last_used(api_key)
        return ApiClient(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return HEADER_NAME


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "customers.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER_NAME}
