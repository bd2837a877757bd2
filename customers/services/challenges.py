"""Challenges: opening one (its type's row in the gateway's flows table decides who may), binding
it to the browser that opened its link, moving it through its flow's steps, finishing it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from core.audit import AuditAction
from core.conf import app_settings
from core.errors import Conflict, DomainError, NotFound, RateLimited
from core.services import audit_record
from webhooks.events import WebhookEvent
from webhooks.services import event_emit

from ..errors import CustomersErrorCode as Code
from ..lockout import customer_pin_locked_until, lock_expiry_text, pin_locked_message
from ..models import Challenge, Customer, Organization
from ..serializers import challenge_data, customer_data
from .customers import GATEWAY_ACTOR


@transaction.atomic
def challenge_open(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    type: str,
    return_url: str,
    actor: str = "",
    reset_pin: bool = False,
    locale: str | None = None,
) -> Challenge:
    """A new challenge of `type` for the customer; earlier open ones are superseded.

    Refused unless the type's flow is built and its row lets this customer start it (409),
    and while a lock keeps the customer from its first step (409 with lockedExpiryDate).
    `reset_pin` (INITIALIZE only): a PIN set without recovery is chosen anew instead of asked for.
    """
    from gateway.flows import flow_for

    flow = flow_for(type)
    if not flow.built:
        raise DomainError("This challenge type is not available yet.", code=Code.CHALLENGE_TYPE_UNAVAILABLE)
    customer = Customer.objects.select_for_update().filter(pk=customer_id, organization=organization).first()
    if customer is None:
        raise NotFound("Customer not found", code=Code.NOT_FOUND)
    if reset_pin and customer.has_recovery:
        raise Conflict(
            "Customer has recovery set up: its PIN can no longer be replaced by starting over; use reset-pin",
            code=Code.RECOVERY_EXISTS,
        )
    refusal = flow.start_refusal(customer)
    if refusal:
        raise Conflict(refusal, code=Code.CHALLENGE_NOT_STARTABLE)
    # Without a PIN there is nothing to replace: resetPin changes nothing.
    reset_pin = reset_pin and customer.has_pin
    locked_until = None if reset_pin else flow.locked_until(customer)
    if locked_until is not None:
        until = lock_expiry_text(locked_until)
        raise Conflict(
            f"The customer is locked out until {until} after too many wrong attempts; "
            "try again after that time",
            code=Code.CUSTOMER_LOCKED,
            errors={"lockedExpiryDate": [until]},
        )
    now = timezone.now()
    if flow.starts_per_hour_setting:
        _hourly_starts_check(
            customer=customer, type=type, limit=getattr(app_settings, flow.starts_per_hour_setting), now=now
        )
    # Only one open challenge per customer: the newest wins, earlier links stop working.
    superseded = _challenges_supersede(customer=customer, now=now)
    challenge = Challenge.objects.create(
        organization=organization,
        customer=customer,
        type=type,
        return_url=return_url,
        expires_at=now + timedelta(seconds=app_settings.CHALLENGE_TTL_SECONDS),
        reset_pin=reset_pin,
        locale=locale,
    )
    data: dict[str, Any] = {"customer": str(customer.pk), "superseded": superseded}
    if reset_pin:
        data["resetPin"] = True
    audit_record(
        action=AuditAction(f"challenge.create.{type.lower()}"),
        target=challenge,
        actor=actor,
        data=data,
    )
    if type == Challenge.Type.RESET_PIN:
        event_emit(
            organization=organization,
            event=WebhookEvent.CUSTOMER_RECOVERY_INITIATED,
            data=customer_data(customer),
        )
    return challenge


def _challenges_supersede(*, customer: Customer, now: datetime) -> int:
    """Fail the customer's open challenges (reason `superseded`), each with its challenge.failed."""
    open_ids = list(
        Challenge.objects.filter(
            customer=customer, status__in=Challenge.OPEN_STATUSES, expires_at__gt=now
        ).values_list("pk", flat=True)
    )
    if not open_ids:
        return 0
    Challenge.objects.filter(pk__in=open_ids).update(
        status=Challenge.Status.FAILED, completed_at=now, result={"reason": "superseded"}
    )
    for challenge in Challenge.objects.filter(pk__in=open_ids):
        event_emit(
            organization=customer.organization_id,
            event=WebhookEvent.CHALLENGE_FAILED,
            data=challenge_data(challenge),
        )
    return len(open_ids)


def _hourly_starts_check(*, customer: Customer, type: str, limit: int, now: datetime) -> None:
    """429 once the customer started `limit` challenges of `type` in the last hour (the customer
    row is locked, so concurrent requests count one after the other)."""
    window = now - timedelta(hours=1)
    recent = Challenge.objects.filter(customer=customer, type=type, created_at__gt=window).aggregate(
        count=Count("id"), first=Min("created_at")
    )
    if recent["count"] >= limit:
        retry_after = (recent["first"] + timedelta(hours=1) - now).total_seconds()
        raise RateLimited(
            f"Too many {type} challenges for this customer in the last hour. Try again later.",
            code=Code.RATE_LIMITED,
            retry_after=int(retry_after) + 1,
        )


def customer_initialize(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    reset_pin: bool = False,
    locale: str | None = None,
) -> Challenge:
    """An INITIALIZE challenge (PIN, then recovery); 409 once the customer has both.

    A customer with a PIN but no recovery enters that PIN first (409 while it is locked);
    with `reset_pin` the user chooses a new PIN instead, which replaces the old copy and its
    shard when set (no wallet can exist before recovery, so nothing depends on that shard).
    """
    return challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.INITIALIZE,
        return_url=redirect_url,
        actor=actor,
        reset_pin=reset_pin,
        locale=locale,
    )


def customer_reset_pin(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    locale: str | None = None,
) -> Challenge:
    """A RESET_PIN challenge; 409 unless the customer has a PIN and recovery."""
    return challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.RESET_PIN,
        return_url=redirect_url,
        actor=actor,
        locale=locale,
    )


def _pin_unlocked(*, organization: Organization, customer_id: uuid.UUID | str) -> None:
    """A challenge that starts with the PIN is refused (423) while the PIN is locked."""
    customer = Customer.objects.filter(pk=customer_id, organization=organization).first()
    until = customer_pin_locked_until(customer) if customer is not None else None
    if until is not None:
        raise DomainError(
            pin_locked_message(until),
            code=Code.PIN_LOCKED,
            status_code=423,
            errors={"lockedExpiryDate": [lock_expiry_text(until)]},
        )


def customer_change_pin(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    locale: str | None = None,
) -> Challenge:
    """A CHANGE_PIN challenge (the current PIN, then a new one: same shard, same wallets);
    409 without PIN and recovery, 423 while the PIN is locked."""
    _pin_unlocked(organization=organization, customer_id=customer_id)
    return challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.CHANGE_PIN,
        return_url=redirect_url,
        actor=actor,
        locale=locale,
    )


def customer_set_recovery(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    locale: str | None = None,
) -> Challenge:
    """A SET_RECOVERY challenge (the PIN, then a new recovery copy replacing the old one);
    409 without a PIN, 423 while the PIN is locked."""
    _pin_unlocked(organization=organization, customer_id=customer_id)
    return challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.SET_RECOVERY,
        return_url=redirect_url,
        actor=actor,
        locale=locale,
    )


# The services below run inside the gateway step that calls them, on the challenge row that
# step has locked (see customers.py on `savepoint=False`).


@transaction.atomic(savepoint=False)
def challenge_bind(
    *, challenge: Challenge, session_binding: str, step: str, actor: str = GATEWAY_ACTOR
) -> Challenge:
    """The single-use link was opened: spend it, bind the challenge to the browser session
    (`session_binding` is the hash of the session's secret) and start the flow at `step`."""
    challenge.link_used_at = timezone.now()
    challenge.session_binding = session_binding
    challenge.status = Challenge.Status.IN_PROGRESS
    challenge.step = step
    challenge.save(update_fields=["link_used_at", "session_binding", "status", "step"])
    audit_record(
        action=AuditAction.GATEWAY_LINK_OPENED,
        target=challenge,
        actor=actor,
        data={"customer": str(challenge.customer_id)},
    )
    return challenge


def _ensure_open(challenge: Challenge) -> None:
    # Checked before the atomic block: a refusal must not mark the caller's transaction broken.
    if challenge.status not in Challenge.OPEN_STATUSES:
        raise Conflict("This challenge has ended.", code=Code.CHALLENGE_CLOSED)


def challenge_transition(*, challenge: Challenge, step: str) -> Challenge:
    """Move an open challenge to `step`, the step its flow says follows the current one.

    No audit row of its own: each step's change that matters (PIN set, recovery set,
    lockout, verified) records one; the step is the progress between them.
    """
    _ensure_open(challenge)
    with transaction.atomic(savepoint=False):
        challenge.step = step
        challenge.save(update_fields=["step"])
    return challenge


def challenge_finish(
    *, challenge: Challenge, status: str, result: dict[str, Any] | None, actor: str = GATEWAY_ACTOR
) -> Challenge:
    """End an open challenge: `verified` (audited, with the flow's result), `failed` (with the
    reason in `result`) or `expired` (its time ran out; the stored status catches up)."""
    _ensure_open(challenge)
    with transaction.atomic(savepoint=False):
        return _challenge_finish(challenge=challenge, status=status, result=result, actor=actor)


def _challenge_finish(
    *, challenge: Challenge, status: str, result: dict[str, Any] | None, actor: str
) -> Challenge:
    if status == Challenge.Status.EXPIRED:
        challenge_expire(challenge=challenge)
        return challenge
    challenge.status = status
    challenge.completed_at = timezone.now()
    challenge.result = result
    challenge.save(update_fields=["status", "completed_at", "result"])
    if status == Challenge.Status.VERIFIED:
        audit_record(
            action=AuditAction.GATEWAY_CHALLENGE_VERIFIED,
            target=challenge,
            actor=actor,
            data={"type": challenge.type, "customer": str(challenge.customer_id)},
        )
    event = (
        WebhookEvent.CHALLENGE_VERIFIED
        if status == Challenge.Status.VERIFIED
        else WebhookEvent.CHALLENGE_FAILED
    )
    event_emit(organization=challenge.organization_id, event=event, data=challenge_data(challenge))
    if status == Challenge.Status.VERIFIED and challenge.type == Challenge.Type.RESET_PIN:
        event_emit(
            organization=challenge.organization_id,
            event=WebhookEvent.CUSTOMER_RECOVERY_COMPLETED,
            data=customer_data(Customer.objects.get(pk=challenge.customer_id)),
        )
    return challenge


def challenges_expire_due(*, batch: int = 500) -> int:
    """Mark open challenges past their expiry `expired`, each with its challenge.expired event.

    Run periodically by the worker (webhooks_sweep), so integrators hear of an expiry even
    when nobody opens the challenge again. Returns how many expired.
    """
    expired = 0
    while True:
        due = list(
            Challenge.objects.filter(
                status__in=Challenge.OPEN_STATUSES, expires_at__lte=timezone.now()
            ).order_by("expires_at")[:batch]
        )
        expired += sum(challenge_expire(challenge=challenge) for challenge in due)
        if len(due) < batch:
            return expired


@transaction.atomic(savepoint=False)
def challenge_expire(*, challenge: Challenge) -> bool:
    """Store `expired` on an open challenge past its time, with its event; False if it was not
    (any more) open and due. The conditional UPDATE makes the status change and the event
    happen once, whoever notices first (the sweep, a page, another worker)."""
    updated = Challenge.objects.filter(
        pk=challenge.pk, status__in=Challenge.OPEN_STATUSES, expires_at__lte=timezone.now()
    ).update(status=Challenge.Status.EXPIRED)
    challenge.status = Challenge.Status.EXPIRED
    if updated:
        event_emit(
            organization=challenge.organization_id,
            event=WebhookEvent.CHALLENGE_EXPIRED,
            data=challenge_data(challenge),
        )
    return bool(updated)
