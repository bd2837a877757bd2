"""Writes of the webhooks app: endpoints and their secrets, emitting events, delivering them.

Emitting is one call where the change happens (`event_emit`): the event and one pending
delivery per subscribed endpoint are written in the caller's transaction, and a drain
task per endpoint is enqueued on commit. A worker drains an endpoint under a lease (one
worker per endpoint at a time, oldest event first); every attempt is recorded. A killed
worker's lease runs out and the sweep (run by every worker, see `webhooks_sweep`)
enqueues the endpoint again, so an event is delivered at least once.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, overload

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.audit import Actor, AuditAction, SystemActor
from core.conf import app_settings
from core.crypto import decrypt, encrypt
from core.errors import Conflict, DomainError
from core.services import audit_record
from customers.epoch_cache import EpochCache, config_changed
from customers.models import Organization

from . import transport
from .events import SUBSCRIBABLE_EVENTS, WebhookEvent
from .models import DESCRIPTION_MAX_LENGTH, Attempt, Delivery, Endpoint, Event
from .signing import secret_generate, signature_header
from .ssrf import UnsafeUrl, url_resolve

logger = logging.getLogger("onboarding.webhooks")

SECRET_PURPOSE = "webhook-signing-secret"  # noqa: S105 - a key-purpose label, not a secret


# --- endpoints -----------------------------------------------------------------------


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("Validation failed", errors={field: [message]})


def endpoint_url_validate(*, url: str) -> str:
    """https, and resolving only to public addresses (loopback and http too when allowed)."""
    try:
        url_resolve(url)
    except UnsafeUrl as exc:
        raise _invalid("url", str(exc)) from None
    return url


def endpoint_events_validate(*, events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise _invalid(
            "events", f"Unknown event {unknown[0]!r}; known events: {', '.join(SUBSCRIBABLE_EVENTS)}."
        )
    return sorted(set(events))


def _description_validate(description: str) -> str:
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise _invalid(
            "description", f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters."
        )
    return description


def _secret_seal(endpoint: Endpoint, secret: str) -> bytes:
    return encrypt(secret.encode(), purpose=SECRET_PURPOSE, aad=endpoint.pk.bytes)


def _secret_open(endpoint: Endpoint, blob: bytes | memoryview) -> str:
    return decrypt(bytes(blob), purpose=SECRET_PURPOSE, aad=endpoint.pk.bytes).decode()


def endpoint_signing_secrets(*, endpoint: Endpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign right now: the current one, then the previous during a rotation."""
    now = now or timezone.now()
    found = [_secret_open(endpoint, endpoint.secret_enc)]
    if (
        endpoint.previous_secret_enc
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        found.append(_secret_open(endpoint, endpoint.previous_secret_enc))
    return found


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    url: str,
    events: list[str] | None = None,
    description: str = "",
    enabled: bool = True,
    actor: Actor | str = None,
) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret, which is returned once and stored encrypted."""
    description = _description_validate(description)
    events = endpoint_events_validate(events=events or [])
    url = endpoint_url_validate(url=url)
    secret = secret_generate()
    endpoint = Endpoint(
        organization=organization, url=url, events=events, description=description, enabled=enabled
    )
    endpoint.secret_enc = _secret_seal(endpoint, secret)
    endpoint.save()
    audit_record(
        action=AuditAction.WEBHOOK_ENDPOINT_CREATED,
        target=endpoint,
        actor=actor,
        data={"organization": str(organization.pk), "url": url, "events": events, "enabled": enabled},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    actor: Actor | str = None,
) -> Endpoint:
    """Change what was given. Enabling again forgets an automatic disable and its failure streak."""
    changes: dict[str, Any] = {}
    if description is not None:
        changes["description"] = _description_validate(description)
    if events is not None:
        changes["events"] = endpoint_events_validate(events=events)
    if url is not None and url != endpoint.url:
        changes["url"] = endpoint_url_validate(url=url)
    if enabled is not None and enabled != endpoint.enabled:
        changes["enabled"] = enabled
        if enabled:
            changes["disabled_reason"] = ""
            changes["failing_since"] = None
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save()
    if changes:
        audit_record(
            action=AuditAction.WEBHOOK_ENDPOINT_UPDATED,
            target=endpoint,
            actor=actor,
            data={k: (str(v) if isinstance(v, datetime) else v) for k, v in changes.items()},
        )
    if changes.get("enabled"):
        transaction.on_commit(lambda: _drains_enqueue([endpoint.pk]))
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: Actor | str = None) -> None:
    audit_record(
        action=AuditAction.WEBHOOK_ENDPOINT_DELETED,
        target=endpoint,
        actor=actor,
        data={"organization": str(endpoint.organization_id), "url": endpoint.url},
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, actor: Actor | str = None) -> tuple[Endpoint, str]:
    """A new secret, returned once; the one it replaces keeps signing for the overlap period."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = secret_generate()
    endpoint.previous_secret_enc = endpoint.secret_enc
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(
        seconds=app_settings.WEBHOOK_SECRET_OVERLAP_SECONDS
    )
    endpoint.secret_enc = _secret_seal(endpoint, secret)
    endpoint.save(
        update_fields=["secret_enc", "previous_secret_enc", "previous_secret_expires_at", "updated_at"]
    )
    audit_record(
        action=AuditAction.WEBHOOK_ENDPOINT_SECRET_ROTATED,
        target=endpoint,
        actor=actor,
        data={"previous_secret_expires_at": endpoint.previous_secret_expires_at.isoformat()},
    )
    return endpoint, secret


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, reason: str, actor: Actor | str = None) -> Endpoint:
    updated = Endpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_reason=reason[:255], updated_at=timezone.now()
    )
    endpoint.refresh_from_db()
    if updated:
        config_changed()  # a bulk UPDATE sends no signal: workers must drop cached subscriptions
        audit_record(
            action=AuditAction.WEBHOOK_ENDPOINT_DISABLED,
            target=endpoint,
            actor=actor,
            data={"reason": reason},
        )
    return endpoint


def endpoint_test(*, endpoint: Endpoint, actor: Actor | str = None) -> Event:
    """A `webhook.test` event for this endpoint alone (even one that filters events)."""
    if not endpoint.enabled:
        raise Conflict("The webhook endpoint is disabled; enable it first")
    return event_emit(
        organization=endpoint.organization,
        event=WebhookEvent.WEBHOOK_TEST,
        data={"endpointId": str(endpoint.pk), "message": "A test event from onboarding-gateway"},
        only_endpoint=endpoint,
    )


# --- events ---------------------------------------------------------------------------

# Per worker: organization id -> (endpoint id, events) of its enabled endpoints, under the
# organization config epoch (customers.epoch_cache; every endpoint change moves it). So an
# API request whose organization has no subscriber emits without any query.
_subscriptions: EpochCache[tuple[tuple[uuid.UUID, tuple[str, ...]], ...]] = EpochCache()


def event_subscribed(
    *, organization: Organization | uuid.UUID | str, event: str, config_epoch: str | None
) -> bool:
    """Whether an enabled endpoint of the organization receives `event` (what event_emit
    would find, from the same per-worker cache when the request's epoch allows)."""
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    return bool(_subscribed(organization_id=organization_id, event=event, config_epoch=config_epoch))


# The event's `data`, or a function making it: called only when an endpoint subscribes.
EventData = dict[str, Any] | Callable[[], dict[str, Any]]


def _subscribed(*, organization_id: uuid.UUID | str, event: str, config_epoch: str | None) -> list[uuid.UUID]:
    """Ids of the organization's enabled endpoints that receive `event`."""
    found = _subscriptions.get(organization_id, epoch=config_epoch)
    if found is None:
        rows = Endpoint.objects.filter(organization_id=organization_id, enabled=True).values_list(
            "id", "events"
        )
        found = tuple((pk, tuple(events or ())) for pk, events in rows)
        _subscriptions.put(organization_id, found, epoch=config_epoch)
    return [pk for pk, events in found if not events or event in events]


_EVENT_NAMES = frozenset(WebhookEvent.values)


@overload
def event_emit(
    *,
    organization: Organization | uuid.UUID | str,
    event: str,
    data: EventData,
    only_endpoint: Endpoint,
    config_epoch: str | None = None,
) -> Event: ...


@overload
def event_emit(
    *,
    organization: Organization | uuid.UUID | str,
    event: str,
    data: EventData,
    only_endpoint: None = None,
    config_epoch: str | None = None,
) -> Event | None: ...


def event_emit(
    *,
    organization: Organization | uuid.UUID | str,
    event: str,
    data: EventData,
    only_endpoint: Endpoint | None = None,
    config_epoch: str | None = None,
) -> Event | None:
    """Record `event` for every enabled endpoint of the organization that subscribes to it.

    Call it inside the transaction that makes the change: a rollback takes the event and
    its deliveries with it, and the drain tasks are only enqueued once the change commits.
    `data` is what the API returns for the object (never a secret), or a function
    returning it, called only when someone subscribes. Without a subscriber
    nothing is written: the cost is one indexed query, or none when the caller passes the
    organization config epoch its request read (`config_epoch`, from the customers API's
    authentication) and this worker already knows the organization's endpoints under it.
    """
    if event not in _EVENT_NAMES:
        raise ValueError(f"unknown webhook event {event!r}")
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    if only_endpoint is not None:
        endpoint_ids = [only_endpoint.pk]
    else:
        endpoint_ids = _subscribed(organization_id=organization_id, event=event, config_epoch=config_epoch)
    if not endpoint_ids:
        return None
    # No savepoint inside the caller's transaction (its failure is the caller's); its own
    # transaction when called outside one, so the event never exists without its deliveries.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        payload = data() if callable(data) else data
        row = Event.objects.create(organization_id=organization_id, name=event, data=payload)
        Delivery.objects.bulk_create(
            [
                Delivery(endpoint_id=pk, event=row, next_attempt_at=now, window_started_at=now)
                for pk in endpoint_ids
            ]
        )
        transaction.on_commit(lambda: _drains_enqueue(endpoint_ids))
    return row


def _drains_enqueue(endpoint_ids: list[uuid.UUID], *, run_after: datetime | None = None) -> None:
    """Enqueue a drain per endpoint; if the queue cannot be written, the sweep catches up."""
    from .tasks import endpoint_drain_task

    task = endpoint_drain_task.using(run_after=run_after) if run_after else endpoint_drain_task
    for endpoint_id in endpoint_ids:
        try:
            task.enqueue(str(endpoint_id))
        except Exception:
            logger.warning("could not enqueue a webhook drain for endpoint %s; the sweep will", endpoint_id)


def _timestamp(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def event_body(event: Event) -> bytes:
    """The raw body sent for an event: the same bytes on every attempt, to every endpoint."""
    payload = {
        "id": str(event.id),
        "event": event.name,
        "timestamp": _timestamp(event.created_at),
        "data": event.data,
        # Stable across attempts and retries: what a receiver dedupes on.
        "idempotencyKey": str(event.id),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# --- delivery -------------------------------------------------------------------------


def backoff_seconds(attempt_number: int) -> float:
    """Exponential (base·2^(n-1), capped), with jitter: a random point in its upper half."""
    ceiling: float = min(
        app_settings.WEBHOOK_BACKOFF_MAX_SECONDS,
        app_settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** min(attempt_number - 1, 32),
    )
    half = ceiling / 2
    return half + half * secrets.randbelow(1001) / 1000


def _lease_acquire(endpoint_id: uuid.UUID, owner: str) -> bool:
    now = timezone.now()
    return (
        Endpoint.objects.filter(pk=endpoint_id, enabled=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=owner, lease_until=now + timedelta(seconds=app_settings.WEBHOOK_LEASE_SECONDS))
        == 1
    )


def _lease_renew(endpoint_id: uuid.UUID, owner: str) -> bool:
    until = timezone.now() + timedelta(seconds=app_settings.WEBHOOK_LEASE_SECONDS)
    return Endpoint.objects.filter(pk=endpoint_id, lease_owner=owner).update(lease_until=until) == 1


def _lease_release(endpoint_id: uuid.UUID, owner: str) -> None:
    Endpoint.objects.filter(pk=endpoint_id, lease_owner=owner).update(lease_owner="", lease_until=None)


def _due(endpoint_id: uuid.UUID, now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        endpoint_id=endpoint_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).order_by("event__created_at", "event_id")


def endpoint_drain(*, endpoint_id: uuid.UUID | str, owner: str | None = None) -> int:
    """Deliver the endpoint's due deliveries, oldest event first; returns how many succeeded."""
    endpoint_id = uuid.UUID(str(endpoint_id))
    owner = owner or secrets.token_hex(16)
    succeeded = 0
    while True:
        if not _lease_acquire(endpoint_id, owner):
            return succeeded  # another worker is draining it (or it is disabled or gone)
        try:
            succeeded += _drain_leased(endpoint_id, owner)
        finally:
            _lease_release(endpoint_id, owner)
        # A delivery committed while we held the lease saw it busy and left it to us.
        if not _due(endpoint_id, timezone.now()).filter(endpoint__enabled=True).exists():
            return succeeded


def _endpoint_trouble(outcome: transport.Outcome) -> bool:
    """No answer, a 5xx or a 429: the receiver is down or overloaded, not refusing one event."""
    return outcome.status_code is None or outcome.status_code >= 500 or outcome.status_code == 429


DRAIN_BATCH = 50


def _drain_leased(endpoint_id: uuid.UUID, owner: str) -> int:
    succeeded = 0
    renew_at = 0.0
    endpoint: Endpoint | None = None
    signing: list[str] = []
    while True:
        batch = list(_due(endpoint_id, timezone.now()).select_related("event")[:DRAIN_BATCH])
        if not batch:
            return succeeded
        for delivery in batch:
            # Renew the lease (and re-read the endpoint: disabled? new secret?) a few times
            # per lease period, not per delivery.
            if endpoint is None or time.monotonic() >= renew_at:
                if not _lease_renew(endpoint_id, owner):
                    return succeeded
                endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
                if endpoint is None or not endpoint.enabled:
                    return succeeded
                signing = endpoint_signing_secrets(endpoint=endpoint)
                renew_at = time.monotonic() + min(5.0, app_settings.WEBHOOK_LEASE_SECONDS / 3)
            outcome = _send(endpoint=endpoint, signing=signing, event=delivery.event)
            delivery = attempt_record(delivery=delivery, endpoint=endpoint, outcome=outcome)
            if outcome.succeeded:
                succeeded += 1
            elif _endpoint_trouble(outcome):
                # Keep the endpoint's order: the events behind this one wait for its retry.
                until = delivery.next_attempt_at or timezone.now() + timedelta(
                    seconds=app_settings.WEBHOOK_BACKOFF_BASE_SECONDS
                )
                Delivery.objects.filter(
                    endpoint_id=endpoint_id, status=Delivery.Status.PENDING, next_attempt_at__lt=until
                ).update(next_attempt_at=until)
                _drains_enqueue([endpoint_id], run_after=until)
                return succeeded
            elif delivery.next_attempt_at is not None:
                _drains_enqueue([endpoint_id], run_after=delivery.next_attempt_at)
            if not endpoint.enabled:  # disabled by this failure (3 days of them)
                return succeeded


def _send(*, endpoint: Endpoint, signing: list[str], event: Event) -> transport.Outcome:
    try:
        target = url_resolve(endpoint.url)  # again at send time: DNS may have changed
    except UnsafeUrl as exc:
        return transport.Outcome(status_code=None, error=f"refused: {exc}"[:255], latency_ms=0, excerpt="")
    body = event_body(event)
    timestamp = str(int(time.time()))
    headers = {
        "X-Webhook-Id": str(event.id),
        "X-Webhook-Event": event.name,
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": signature_header(secrets_=signing, timestamp=timestamp, body=body),
    }
    return transport.post(
        target=target, body=body, headers=headers, timeout=app_settings.WEBHOOK_TIMEOUT_SECONDS
    )


@transaction.atomic
def attempt_record(*, delivery: Delivery, endpoint: Endpoint, outcome: transport.Outcome) -> Delivery:
    """Store the attempt and its consequence: done, retry later, or failed after the window.

    Only the worker holding the endpoint's lease attempts its deliveries, so the attempt
    number and the endpoint's failure streak are read from the caller's copies; the
    delivery is updated only while still pending (a concurrent manual re-send wins).
    """
    now = timezone.now()
    number = delivery.attempt_count + 1
    Attempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=now - timedelta(milliseconds=outcome.latency_ms),
        succeeded=outcome.succeeded,
        status_code=outcome.status_code,
        error=outcome.error,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
    )
    delivery.attempt_count = number
    if outcome.succeeded:
        delivery.status, delivery.completed_at, delivery.next_attempt_at = (
            Delivery.Status.SUCCEEDED,
            now,
            None,
        )
    elif now - delivery.window_started_at >= timedelta(seconds=app_settings.WEBHOOK_RETRY_WINDOW_SECONDS):
        delivery.status, delivery.completed_at, delivery.next_attempt_at = Delivery.Status.FAILED, now, None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(number))
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
        attempt_count=number,
        status=delivery.status,
        completed_at=delivery.completed_at,
        next_attempt_at=delivery.next_attempt_at,
    )
    if outcome.succeeded:
        if endpoint.failing_since is not None:
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            endpoint.failing_since = None
    else:
        if endpoint.failing_since is None:
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
            endpoint.failing_since = now
        streak = endpoint.failing_since
        if now - streak >= timedelta(seconds=app_settings.WEBHOOK_DISABLE_AFTER_SECONDS):
            endpoint_disable(
                endpoint=endpoint,
                reason=f"Every delivery attempt failed since {streak.isoformat()}",
                actor=SystemActor.WEBHOOKS,
            )
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: Actor | str = None) -> Delivery:
    """Send again now, with a fresh retry window; a delivery that succeeded is a 409."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == Delivery.Status.SUCCEEDED:
        raise Conflict("This delivery already succeeded; it is not sent again")
    now = timezone.now()
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = now
    delivery.window_started_at = now
    delivery.completed_at = None
    delivery.save(update_fields=["status", "next_attempt_at", "window_started_at", "completed_at"])
    audit_record(
        action=AuditAction.WEBHOOK_DELIVERY_RETRIED,
        target=delivery,
        actor=actor,
        data={"endpoint": str(delivery.endpoint_id), "event": str(delivery.event_id)},
    )
    endpoint_id = delivery.endpoint_id
    transaction.on_commit(lambda: _drains_enqueue([endpoint_id]))
    return delivery


# --- the periodic sweep ---------------------------------------------------------------


def deliveries_requeue_overdue(*, now: datetime | None = None) -> int:
    """Enqueue endpoints whose due deliveries nobody is draining (a killed worker, a lost
    enqueue): overdue by a sweep interval, and no live lease. Returns how many endpoints."""
    now = now or timezone.now()
    grace = timedelta(seconds=app_settings.WEBHOOK_SWEEP_SECONDS)
    endpoint_ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now - grace, endpoint__enabled=True
        )
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    _drains_enqueue(endpoint_ids)
    return len(endpoint_ids)


def webhooks_sweep() -> dict[str, int]:
    """The periodic work every worker runs (run_worker): notice expired challenges (each
    emits challenge.expired) and re-enqueue deliveries nobody is draining."""
    from customers.services import challenges_expire_due

    return {"challenges_expired": challenges_expire_due(), "endpoints_requeued": deliveries_requeue_overdue()}
