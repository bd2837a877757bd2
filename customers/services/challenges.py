"""Challenges: opening one (its type's row in the gateway's flows table decides who may), binding
it to the browser that opened its link, moving it through its flow's steps, finishing it."""

from __future__ import annotations

import functools
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from core.audit import AuditAction, audit_actor_for
from core.conf import app_settings
from core.db import model_from_row, prepared_rows, row_for_insert
from core.errors import Conflict, DomainError, NotFound, RateLimited
from core.models import AuditEvent
from core.services import audit_record
from webhooks.events import WebhookEvent
from webhooks.services import event_emit

from ..errors import CustomersErrorCode as Code
from ..lockout import customer_pin_locked_until, lock_expiry_text, pin_locked_message
from ..models import Challenge, Customer, Organization
from ..selectors import parse_uuid
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
    config_epoch: str | None = None,
    locale: str | None = None,
) -> Challenge:
    """A new challenge of `type` for the customer; earlier open ones are superseded.

    Refused unless the type's flow is built and its row lets this customer start it (409),
    and while a lock keeps the customer from its first step (409 with lockedExpiryDate);
    404 for an unknown customer (or another organization's).
    `reset_pin` (INITIALIZE only): a PIN set without recovery is chosen anew instead of asked for.
    `config_epoch` (the organization config epoch the request read) lets the webhook events
    find the organization's subscriptions in this worker's cache.

    On PostgreSQL: the customer row locked (the 404 check too), then one statement
    superseding the earlier open challenges, inserting this one and its audit row.
    """
    customer = customer_row_lock(organization=organization, customer_id=customer_id)
    return challenge_open_locked(
        organization=organization,
        customer=customer,
        type=type,
        return_url=return_url,
        actor=actor,
        reset_pin=reset_pin,
        config_epoch=config_epoch,
        locale=locale,
    )


def customer_row_lock(*, organization: Organization, customer_id: uuid.UUID | str) -> Customer:
    """The organization's customer, its row locked until the open transaction ends; 404 otherwise.

    For a service that checks more of the customer before opening a challenge in the same
    transaction (challenge_open_locked): the row is locked once, not once per step.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("customer_row_lock needs an open transaction (transaction.atomic)")
    customer = _customer_lock(organization=organization, customer_id=customer_id)
    if customer is None:
        raise NotFound("Customer not found", code=Code.NOT_FOUND)
    return customer


def challenge_open_locked(
    *,
    organization: Organization,
    customer: Customer,
    type: str,
    return_url: str,
    actor: str = "",
    reset_pin: bool = False,
    config_epoch: str | None = None,
    locale: str | None = None,
) -> Challenge:
    """challenge_open for a customer the caller locked in its open transaction (customer_row_lock)."""
    from gateway.flows import flow_for

    if not connection.in_atomic_block:
        raise RuntimeError("challenge_open_locked needs the transaction holding the customer's lock")
    flow = flow_for(type)
    if not flow.built:
        raise DomainError("This challenge type is not available yet.", code=Code.CHALLENGE_TYPE_UNAVAILABLE)
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
    attrs = {
        "id": uuid.uuid4(),
        "organization_id": organization.pk,
        "customer_id": customer.pk,
        "type": type,
        "return_url": return_url,
        "expires_at": now + timedelta(seconds=app_settings.CHALLENGE_TTL_SECONDS),
        "reset_pin": reset_pin,
        "created_at": now,
        "locale": locale,
    }
    related = {"organization": organization, "customer": customer}
    # Only one open challenge per customer: the newest wins, earlier links stop working.
    if connection.vendor == "postgresql":
        challenge, values = row_for_insert(Challenge, attrs, related=related)
        superseded = _challenge_insert_superseding(
            challenge=challenge, values=values, customer=customer, now=now, actor=actor
        )
    else:
        challenge = Challenge(**attrs)
        challenge._state.fields_cache.update(related)
        superseded = _challenges_supersede(customer=customer, now=now)
        challenge.save(force_insert=True)
        audit_record(
            action=AuditAction(f"challenge.create.{type.lower()}"),
            target=challenge,
            actor=actor,
            data=_audit_data(challenge=challenge, superseded=len(superseded)),
        )
    for earlier in superseded:
        event_emit(
            organization=organization,
            event=WebhookEvent.CHALLENGE_FAILED,
            data=functools.partial(challenge_data, earlier),
            config_epoch=config_epoch,
        )
    if type == Challenge.Type.RESET_PIN:
        event_emit(
            organization=organization,
            event=WebhookEvent.CUSTOMER_RECOVERY_INITIATED,
            data=functools.partial(customer_data, customer),
            config_epoch=config_epoch,
        )
    return challenge


def _customer_lock(*, organization: Organization, customer_id: object) -> Customer | None:
    """The whole customer row, locked for this transaction; None when not this organization's."""
    pk = parse_uuid(customer_id)
    if pk is None:
        return None
    if connection.vendor != "postgresql":
        return Customer.objects.select_for_update().filter(pk=pk, organization=organization).first()
    rows = prepared_rows(_customer_lock_sql(), [pk, organization.pk])
    return model_from_row(Customer, rows[0]) if rows else None


@functools.cache
def _customer_lock_sql() -> str:
    meta = Customer._meta
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in meta.concrete_fields)
    return f"SELECT {columns} FROM {meta.db_table} WHERE id = %s AND organization_id = %s FOR UPDATE"  # noqa: S608


def _challenge_insert_superseding(
    *, challenge: Challenge, values: list[Any], customer: Customer, now: datetime, actor: str
) -> list[Challenge]:
    """In one prepared statement (data-modifying CTEs, each run once and to completion): fail
    the customer's open challenges (reason `superseded`), insert `challenge`, write its audit
    row with the count. Returns the superseded challenges as they are now. The caller holds
    the customer's row lock, so no other challenge of this customer is opened meanwhile.
    `values`: the new challenge's column values (core.db.row_for_insert)."""
    rows = prepared_rows(
        _challenge_insert_superseding_sql(),
        [
            Challenge.Status.FAILED.value,
            now,
            json.dumps({"reason": "superseded"}),
            customer.pk,
            now,
            *values,
            uuid.uuid4(),
            now,
            str(AuditAction(f"challenge.create.{challenge.type.lower()}")),
            actor if isinstance(actor, str) else audit_actor_for(actor),
            json.dumps(_audit_data(challenge=challenge, superseded=None)),
        ],
    )
    return [model_from_row(Challenge, row) for row in rows]


@functools.cache
def _challenge_insert_superseding_sql() -> str:
    meta = Challenge._meta
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(meta.concrete_fields))
    # Literal, not parameters: a prepared statement's generic plan can only use the partial
    # index of open challenges (challenge_customer_open) when the statuses are in its text.
    if not all(re.fullmatch(r"[a-z_]+", str(s)) for s in Challenge.OPEN_STATUSES):
        raise ValueError("open challenge statuses must be plain words to be written into SQL")
    open_statuses = ", ".join(f"'{s}'" for s in Challenge.OPEN_STATUSES)
    table, audit = meta.db_table, AuditEvent._meta.db_table
    return f"""
        WITH superseded AS (
            UPDATE {table} SET status = %s, completed_at = %s, result = %s::jsonb
            WHERE customer_id = %s AND status IN ({open_statuses}) AND expires_at > %s
            RETURNING {columns}
        ), inserted AS (
            INSERT INTO {table} ({columns}) VALUES ({placeholders})
            RETURNING id
        ), audited AS (
            INSERT INTO {audit} (id, created_at, action, actor, target_type, target_id, data)
            SELECT %s, %s, %s, %s, 'Challenge', id::text,
                   %s::jsonb || jsonb_build_object('superseded', (SELECT count(*) FROM superseded))
            FROM inserted
        )
        SELECT {columns} FROM superseded
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def _audit_data(*, challenge: Challenge, superseded: int | None) -> dict[str, Any]:
    """The challenge.create.* audit row's data (`superseded` counted by the statement when None)."""
    data: dict[str, Any] = {"customer": str(challenge.customer_id)}
    if superseded is not None:
        data["superseded"] = superseded
    if challenge.reset_pin:
        data["resetPin"] = True
    return data


def _challenges_supersede(*, customer: Customer, now: datetime) -> list[Challenge]:
    """Fail the customer's open challenges (reason `superseded`); returns them as they are now."""
    open_ids = list(
        Challenge.objects.filter(
            customer=customer, status__in=Challenge.OPEN_STATUSES, expires_at__gt=now
        ).values_list("pk", flat=True)
    )
    if not open_ids:
        return []
    Challenge.objects.filter(pk__in=open_ids).update(
        status=Challenge.Status.FAILED, completed_at=now, result={"reason": "superseded"}
    )
    return list(Challenge.objects.filter(pk__in=open_ids))


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
    config_epoch: str | None = None,
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
        config_epoch=config_epoch,
        locale=locale,
    )


def customer_reset_pin(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    config_epoch: str | None = None,
    locale: str | None = None,
) -> Challenge:
    """A RESET_PIN challenge; 409 unless the customer has a PIN and recovery."""
    return challenge_open(
        organization=organization,
        customer_id=customer_id,
        type=Challenge.Type.RESET_PIN,
        return_url=redirect_url,
        actor=actor,
        config_epoch=config_epoch,
        locale=locale,
    )


def _pin_unlocked(*, organization: Organization, customer_id: uuid.UUID | str) -> None:
    """A challenge that starts with the PIN is refused (423) while the PIN is locked."""
    pk = parse_uuid(customer_id)
    customer = Customer.objects.filter(pk=pk, organization=organization).first() if pk else None
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
    config_epoch: str | None = None,
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
        config_epoch=config_epoch,
        locale=locale,
    )


def customer_set_recovery(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    config_epoch: str | None = None,
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
        config_epoch=config_epoch,
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
