"""Writes of the customers app: organizations, API keys, customers and their challenges."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.conf import app_settings
from core.crypto import sha256_hex
from core.db import is_unique_violation, prepared_rows
from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from core.services import audit_record

from .authentication import KEY_PREFIX, PREFIX_LENGTH, api_keys_changed
from .models import ApiKey, Challenge, Customer, IdempotencyRecord, Organization, RedirectOrigin

REDIRECT_URL_MAX_LENGTH = 2048
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
DEFAULT_PORTS = {"http": 80, "https": 443}


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


def redirect_url_validate(*, organization: Organization, url: str) -> str:
    """The integrator's return URL, if absolute, https (http for local hosts in DEBUG) and allowlisted."""

    def invalid(message: str) -> DomainError:
        return DomainError("Validation failed", errors={"redirectUrl": [message]})

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
    allowed = RedirectOrigin.objects.filter(organization=organization, origin=origin).exists()
    if not allowed:
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
        action="organization.create",
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
        raise DomainError(f"Unknown key kind {kind!r}")
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
        raise Conflict("Could not allocate a unique key prefix")
    audit_record(
        action="api_key.create",
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
        audit_record(action="api_key.revoke", target=api_key, actor=actor, data={"prefix": api_key.prefix})
    return api_key


@transaction.atomic
def customer_create(*, organization: Organization, ref_id: str, name: str = "", actor: str = "") -> Customer:
    """Insert, bump the organization's counter, write the audit row; a duplicate refId is a 409.

    On PostgreSQL the three writes are one statement (data-modifying CTEs), inside this
    function's transaction so that further writes of the same change (an event row) join
    it. Two concurrent inserts of one refId: the second blocks on the unique index until
    the first commits, then fails on it; this function's own atomic block (a savepoint
    when nested) rolls back, so a caller's transaction stays usable.
    """
    try:
        if connection.vendor == "postgresql":
            customer = _customer_insert_counted_audited(
                organization=organization, ref_id=ref_id, name=name, actor=actor
            )
        else:
            customer = Customer.objects.create(organization=organization, ref_id=ref_id, name=name)
            Organization.objects.filter(pk=organization.pk).update(customer_count=F("customer_count") + 1)
            audit_record(
                action="customer.create",
                target=customer,
                actor=actor,
                data={"organization": str(organization.pk)},
            )
    except IntegrityError as exc:
        if is_unique_violation(
            exc,
            constraint="uniq_customer_ref_id",
            table="customers_customer",
            columns=("organization_id", "ref_id"),
        ):
            raise Conflict(
                "A customer with this refId already exists", errors={"refId": ["Already exists."]}
            ) from None
        raise
    return customer


def _customer_insert_counted_audited(
    *, organization: Organization, ref_id: str, name: str, actor: str
) -> Customer:
    """The insert, the counter and the audit row of customer_create in one round trip (a
    prepared statement: parsed and planned once per connection).

    Every sub-statement of a WITH runs exactly once and to completion (PostgreSQL docs,
    "Data-Modifying Statements in WITH"); the counter and the audit row only happen when
    the insert returned its row, and a unique violation aborts the whole statement.
    """
    now = timezone.now()
    customer = Customer(
        id=uuid.uuid4(), organization=organization, ref_id=ref_id, name=name, created_at=now, updated_at=now
    )
    customers, organizations, audit = (
        Customer._meta.db_table,
        Organization._meta.db_table,
        AuditEvent._meta.db_table,
    )
    sql = f"""
        WITH inserted AS (
            INSERT INTO {customers} (id, organization_id, ref_id, name, has_pin, has_recovery,
                                     recovery_methods, pin_failed_attempts, pin_locked_until,
                                     created_at, updated_at)
            VALUES (%s, %s, %s, %s, false, false, '[]'::jsonb, 0, NULL, %s, %s)
            RETURNING id
        ), counted AS (
            UPDATE {organizations} SET customer_count = customer_count + 1
            WHERE id = %s AND EXISTS (SELECT 1 FROM inserted)
        )
        INSERT INTO {audit} (id, created_at, action, actor, target_type, target_id, data)
        SELECT %s, %s, 'customer.create', %s, 'Customer', id::text, %s::jsonb FROM inserted
    """  # noqa: S608 (table names from the models; every value is a parameter)
    prepared_rows(
        sql,
        [
            customer.id,
            organization.pk,
            ref_id,
            name,
            now,
            now,
            organization.pk,
            uuid.uuid4(),
            now,
            actor,
            json.dumps({"organization": str(organization.pk)}),
        ],
    )
    customer._state.adding = False
    customer._state.db = connection.alias
    return customer


@transaction.atomic
def customers_recount(*, organization: Organization) -> int:
    """Repair the counter after rows were written outside customer_create (bulk loads)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    count = Customer.objects.filter(organization=organization).count()
    Organization.objects.filter(pk=organization.pk).update(customer_count=count)
    # Rows loaded out of order move positions: drop the deep-page anchors with the counter.
    from django.core.cache import cache

    from .selectors import anchors_cache_key

    transaction.on_commit(lambda: cache.delete(anchors_cache_key(organization.pk)))
    return count


def _challenge_open(
    *, organization: Organization, customer_id: object, type: str, return_url: str, actor: str
) -> Challenge:
    customer = Customer.objects.select_for_update().filter(pk=customer_id, organization=organization).first()
    if customer is None:
        raise NotFound("Customer not found")
    if type == Challenge.Type.INITIALIZE and customer.has_pin and customer.has_recovery:
        raise Conflict("Customer is already initialized")
    if type == Challenge.Type.RESET_PIN and not (customer.has_pin and customer.has_recovery):
        raise Conflict("Customer has no PIN and recovery to reset yet; initialize it first")
    now = timezone.now()
    # Only one open challenge per customer: the newest wins, earlier links stop working.
    superseded = Challenge.objects.filter(
        customer=customer, status__in=Challenge.OPEN_STATUSES, expires_at__gt=now
    ).update(status=Challenge.Status.FAILED, completed_at=now, result={"reason": "superseded"})
    challenge = Challenge.objects.create(
        organization=organization,
        customer=customer,
        type=type,
        return_url=return_url,
        expires_at=now + timedelta(seconds=app_settings.CHALLENGE_TTL_SECONDS),
    )
    audit_record(
        action=f"challenge.create.{type.lower()}",
        target=challenge,
        actor=actor,
        data={"customer": str(customer.pk), "superseded": superseded},
    )
    return challenge


@transaction.atomic
def customer_initialize(
    *, organization: Organization, customer_id: object, redirect_url: str, actor: str = ""
) -> Challenge:
    """An INITIALIZE challenge (PIN, then recovery); 409 once the customer has both."""
    return _challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.INITIALIZE,
        return_url=redirect_url,
        actor=actor,
    )


@transaction.atomic
def customer_reset_pin(
    *, organization: Organization, customer_id: object, redirect_url: str, actor: str = ""
) -> Challenge:
    """A RESET_PIN challenge; 409 unless the customer has a PIN and recovery."""
    return _challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.RESET_PIN,
        return_url=redirect_url,
        actor=actor,
    )


def idempotency_records_purge(*, older_than_hours: int) -> int:
    """Forget stored idempotent responses older than the replay window; returns how many."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
