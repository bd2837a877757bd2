"""Organizations, their redirect allowlist and API keys; the idempotency replay window."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import AuditAction
from core.crypto import sha256_hex
from core.errors import Conflict, DomainError
from core.services import audit_record

from ..authentication import KEY_PREFIX, PREFIX_LENGTH, api_keys_changed
from ..epoch_cache import EpochCache
from ..errors import CustomersErrorCode as Code
from ..models import ApiKey, IdempotencyRecord, Organization, RedirectOrigin

REDIRECT_URL_MAX_LENGTH = 2048
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
DEFAULT_PORTS = {"http": 80, "https": 443}


# Per worker: organization id -> its allowlisted origins, under the organization config
# epoch (customers.epoch_cache; every RedirectOrigin change moves it).
_allowlists: EpochCache[frozenset[str]] = EpochCache()


class InvalidOrigin(ValueError):
    """An allowlist entry that is not scheme://host[:port]."""


def _origin_of(url: str) -> tuple[str, str]:
    """(scheme, "scheme://host[:port]") with the host lowercased and a default port dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidOrigin("invalid port") from exc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return scheme, f"{scheme}://{netloc}"


def redirect_origin_normalize(value: str) -> str:
    """Normalise an allowlist entry; raises InvalidOrigin unless it is exactly an origin."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidOrigin(f"{value!r} is not an http(s) origin")
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidOrigin(f"{value!r} must be scheme://host[:port] only")
    return _origin_of(value)[1]


def _allowlist(*, organization: Organization, config_epoch: str | None) -> frozenset[str]:
    origins = _allowlists.get(organization.pk, epoch=config_epoch)
    if origins is None:
        origins = frozenset(
            RedirectOrigin.objects.filter(organization=organization).values_list("origin", flat=True)
        )
        _allowlists.put(organization.pk, origins, epoch=config_epoch)
    return origins


def redirect_url_validate(*, organization: Organization, url: str, config_epoch: str | None = None) -> str:
    """The integrator's return URL, if absolute, https (http for local hosts in DEBUG) and allowlisted.

    `config_epoch`: the organization config epoch the request read (request_config_epoch);
    with it the allowlist comes from this worker's cache while the epoch holds.
    """

    def invalid(message: str) -> DomainError:
        return DomainError(
            "Validation failed", code=Code.REDIRECT_URL_INVALID, errors={"redirectUrl": [message]}
        )

    if len(url) > REDIRECT_URL_MAX_LENGTH:
        raise invalid(f"Ensure this field has no more than {REDIRECT_URL_MAX_LENGTH} characters.")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise invalid("Enter a valid absolute URL.") from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise invalid("A redirect URL must not carry credentials.")
    try:
        scheme, origin = _origin_of(url)
    except InvalidOrigin:
        raise invalid("Enter a valid absolute URL.") from None
    if scheme != "https" and not (settings.DEBUG and (parts.hostname or "").lower() in LOCAL_HOSTS):
        raise invalid("The redirect URL must use https.")
    if origin not in _allowlist(organization=organization, config_epoch=config_epoch):
        raise invalid("The redirect URL's origin is not on this organization's allowlist.")
    return url


@transaction.atomic
def organization_create(
    *, name: str, redirect_origins: list[str] | None = None, actor: str = ""
) -> Organization:
    origins = sorted({redirect_origin_normalize(o) for o in redirect_origins or []})
    organization = Organization.objects.create(name=name)
    RedirectOrigin.objects.bulk_create([RedirectOrigin(organization=organization, origin=o) for o in origins])
    audit_record(
        action=AuditAction.ORGANIZATION_CREATED,
        target=organization,
        actor=actor,
        data={"name": name, "redirect_origins": origins},
    )
    return organization


def api_key_generate() -> tuple[str, str, str]:
    """(raw key, lookup prefix, SHA-256 hex): 256 random bits behind a 48-bit lookup prefix."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return raw, prefix, sha256_hex(raw)


@transaction.atomic
def api_key_create(
    *, organization: Organization, kind: str = ApiKey.Kind.FULL, name: str = "", actor: str = ""
) -> tuple[ApiKey, str]:
    """A new key and its raw value, which is shown once and never stored."""
    if kind not in ApiKey.Kind.values:
        raise DomainError(f"Unknown key kind {kind!r}", code=Code.KEY_KIND_UNKNOWN)
    for _ in range(5):  # a prefix collision is astronomically rare; retry rather than fail
        raw, prefix, key_hash = api_key_generate()
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    organization=organization, kind=kind, name=name, prefix=prefix, key_hash=key_hash
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover
        raise Conflict("Could not allocate a unique key prefix", code=Code.KEY_PREFIX_EXHAUSTED)
    audit_record(
        action=AuditAction.API_KEY_CREATED,
        target=api_key,
        actor=actor,
        data={"organization": str(organization.pk), "kind": kind, "prefix": prefix},
    )
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: str = "") -> ApiKey:
    """Revoke at once: the revocation epoch moves, so no worker trusts its cached check."""
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    if updated:
        api_keys_changed()
        audit_record(
            action=AuditAction.API_KEY_REVOKED, target=api_key, actor=actor, data={"prefix": api_key.prefix}
        )
    return api_key


def idempotency_records_purge(*, older_than_hours: int) -> int:
    """Forget stored idempotent responses older than the replay window; returns how many."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
