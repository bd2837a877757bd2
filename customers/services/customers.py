"""Customers: creation, the organization's counter, and the PIN and recovery state the gateway reports."""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import AuditAction, SystemActor, audit_actor_for
from core.db import is_unique_violation, prepared_rows, row_for_insert
from core.errors import Conflict
from core.models import AuditEvent
from core.services import audit_record
from webhooks.events import WebhookEvent
from webhooks.services import event_emit, event_subscribed

from ..errors import CustomersErrorCode as Code
from ..lockout import Attempt, Counted, attempt_apply, evaluated_proof_apply, evaluation_apply
from ..models import Challenge, Customer, Organization
from ..serializers import customer_data

GATEWAY_ACTOR = SystemActor.GATEWAY


def customer_create(
    *,
    organization: Organization,
    ref_id: str,
    name: str = "",
    actor: str = "",
    config_epoch: str | None = None,
) -> Customer:
    """Insert, bump the organization's counter, write the audit row; a duplicate refId is a 409.

    `config_epoch`: the organization config epoch the request read (customers.epoch_cache);
    with it, the organization's webhook subscriptions come from this worker's cache, so a
    creation nobody subscribes to makes no endpoint query.

    On PostgreSQL the three writes are one statement (data-modifying CTEs). When nobody
    subscribes to `customer.created` and no transaction is open, that statement is the
    whole change and runs as its own transaction: one round trip, where BEGIN and COMMIT
    would add two. Otherwise it runs inside this function's transaction, so that the event
    and its deliveries join it. Two concurrent inserts of one refId: the second blocks on the
    unique index until the first commits, then fails on it and nothing of it remains.
    """
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not event_subscribed(
            organization=organization, event=WebhookEvent.CUSTOMER_CREATED, config_epoch=config_epoch
        )
    ):
        with _ref_id_conflict():
            return _customer_insert_counted_audited(
                organization=organization, ref_id=ref_id, name=name, actor=actor
            )
    return _customer_create_in_transaction(
        organization=organization, ref_id=ref_id, name=name, actor=actor, config_epoch=config_epoch
    )


@contextlib.contextmanager
def _ref_id_conflict() -> Iterator[None]:
    """A duplicate (organization, refId) is a 409 in the API's shape; other errors pass."""
    try:
        yield
    except IntegrityError as exc:
        if is_unique_violation(
            exc,
            constraint="uniq_customer_ref_id",
            table="customers_customer",
            columns=("organization_id", "ref_id"),
        ):
            raise Conflict(
                "A customer with this refId already exists",
                code=Code.REF_ID_TAKEN,
                errors={"refId": ["Already exists."]},
            ) from None
        raise


@transaction.atomic
def _customer_create_in_transaction(
    *, organization: Organization, ref_id: str, name: str, actor: str, config_epoch: str | None
) -> Customer:
    """customer_create with its event: the writes, then the event and its deliveries, one
    transaction (a savepoint when the caller has one open, so the caller's stays usable)."""
    with _ref_id_conflict():
        if connection.vendor == "postgresql":
            customer = _customer_insert_counted_audited(
                organization=organization, ref_id=ref_id, name=name, actor=actor
            )
        else:
            customer = Customer.objects.create(organization=organization, ref_id=ref_id, name=name)
            Organization.objects.filter(pk=organization.pk).update(customer_count=F("customer_count") + 1)
            audit_record(
                action=AuditAction.CUSTOMER_CREATED,
                target=customer,
                actor=actor,
                data={"organization": str(organization.pk)},
            )
    event_emit(
        organization=organization,
        event=WebhookEvent.CUSTOMER_CREATED,
        data=functools.partial(customer_data, customer),
        config_epoch=config_epoch,
    )
    return customer


def _customer_insert_counted_audited(
    *, organization: Organization, ref_id: str, name: str, actor: str
) -> Customer:
    """The insert, the counter and the audit row of customer_create in one round trip (a
    prepared statement: parsed and planned once per connection).

    Every sub-statement of a WITH runs exactly once and to completion (PostgreSQL docs,
    "Data-Modifying Statements in WITH"); the counter and the audit row only happen when
    the insert returned its row, and a unique violation aborts the whole statement. The
    customer's columns and values come from the model (its Python defaults, as the ORM
    would insert them), so a field added later is written too.
    """
    now = timezone.now()
    customer, values = row_for_insert(
        Customer,
        {
            "id": uuid.uuid4(),
            "organization_id": organization.pk,
            "ref_id": ref_id,
            "name": name,
            "created_at": now,
            "updated_at": now,
        },
        related={"organization": organization},
    )
    prepared_rows(
        _customer_create_sql(),
        [
            *values,
            organization.pk,
            uuid.uuid4(),
            now,
            str(AuditAction.CUSTOMER_CREATED),
            actor if isinstance(actor, str) else audit_actor_for(actor),
            json.dumps({"organization": str(organization.pk)}),
        ],
    )
    return customer


@functools.cache
def _customer_create_sql() -> str:
    customers, organizations, audit = (
        Customer._meta.db_table,
        Organization._meta.db_table,
        AuditEvent._meta.db_table,
    )
    fields = Customer._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"""
        WITH inserted AS (
            INSERT INTO {customers} ({columns}) VALUES ({placeholders})
            RETURNING id
        ), counted AS (
            UPDATE {organizations} SET customer_count = customer_count + 1
            WHERE id = %s AND EXISTS (SELECT 1 FROM inserted)
        )
        INSERT INTO {audit} (id, created_at, action, actor, target_type, target_id, data)
        SELECT %s, %s, %s, %s, 'Customer', id::text, %s::jsonb FROM inserted
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@transaction.atomic
def customers_recount(*, organization: Organization) -> int:
    """Repair the counter after rows were written outside customer_create (bulk loads)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    count = Customer.objects.filter(organization=organization).count()
    Organization.objects.filter(pk=organization.pk).update(customer_count=count)
    # Rows loaded out of order move positions: drop the deep-page anchors with the counter.
    from django.core.cache import cache

    from ..selectors import anchors_cache_key

    transaction.on_commit(lambda: cache.delete(anchors_cache_key(organization.pk)))
    return count


# The services below run inside the gateway step that calls them, on rows that step has
# locked; `savepoint=False` keeps them from adding a SAVEPOINT pair to every step (a
# failure aborts the whole step, which is what the step wants).


@transaction.atomic(savepoint=False)
def customer_pin_set(
    *, customer: Customer, challenge: Challenge, scheme_version: int, actor: str = GATEWAY_ACTOR
) -> bool:
    """The customer has a (new) PIN copy: PIN enabled, its failure counter cleared. True if it
    replaced an earlier PIN (a reset)."""
    replaced = customer.has_pin
    customer.has_pin = True
    customer.pin_failed_attempts = 0
    customer.pin_locked_at = None
    customer.pin_locked_until = None
    customer.save(
        update_fields=["has_pin", "pin_failed_attempts", "pin_locked_at", "pin_locked_until", "updated_at"]
    )
    audit_record(
        # resetPin: a PIN set before recovery, replaced by starting over; else a set or a reset.
        action=(
            AuditAction.GATEWAY_PIN_RESTARTED
            if challenge.reset_pin and replaced
            else (AuditAction.GATEWAY_PIN_RESET if replaced else AuditAction.GATEWAY_PIN_SET)
        ),
        target=customer,
        actor=actor,
        data={"challenge": str(challenge.id), "scheme": scheme_version},
    )
    event = WebhookEvent.CUSTOMER_PIN_UPDATED if replaced else WebhookEvent.CUSTOMER_PIN_SETUP
    event_emit(organization=customer.organization_id, event=event, data=customer_data(customer))
    return replaced


@transaction.atomic(savepoint=False)
def customer_recovery_set(
    *, customer: Customer, challenge: Challenge, method: str, actor: str = GATEWAY_ACTOR
) -> Customer:
    """The customer's recovery is now the copy made with `method` (a Customer.RecoveryMethod):
    a recovery step replaces whatever recovery there was (the gateway deletes the other copy)."""
    customer.recovery_methods = [method]
    customer.has_recovery = True
    customer.save(update_fields=["recovery_methods", "has_recovery", "updated_at"])
    audit_record(
        action=AuditAction.GATEWAY_RECOVERY_SET,
        target=customer,
        actor=actor,
        data={"challenge": str(challenge.id), "method": method},
    )
    return customer


# The counters of failed proofs kept on the customer row: its fields and the reason a lock gives.
_LOCKABLE = {
    "pin": ("pin_failed_attempts", "pin_locked_until", "pin_locked_at", "PIN_LOCKED"),
    "email": ("email_failed_attempts", "email_locked_until", "email_locked_at", "RECOVERY_LOCKED"),
    "questions": (
        "questions_failed_attempts",
        "questions_locked_until",
        "questions_locked_at",
        "RECOVERY_LOCKED",
    ),
}
# The recovery method a recovery counter's lock is audited as.
_RECOVERY_METHOD = {"email": "EMAIL", "questions": "SECURITY_QUESTIONS"}


@transaction.atomic(savepoint=False)
def customer_lock(
    *,
    customer: Customer,
    until: datetime,
    challenge: Challenge,
    counter: str = "pin",
    actor: str = GATEWAY_ACTOR,
) -> Customer:
    """Lock the customer's PIN (pinStatus LOCKED), security questions or email recovery until
    `until`; the challenge that hit the limit fails. Audited."""
    from .challenges import challenge_finish

    failed_field, until_field, since_field, reason = _LOCKABLE[counter]
    setattr(customer, failed_field, 0)
    setattr(customer, until_field, until)
    setattr(customer, since_field, timezone.now())
    customer.save(update_fields=[failed_field, until_field, since_field, "updated_at"])
    challenge_finish(challenge=challenge, status=Challenge.Status.FAILED, result={"reason": reason})
    if counter in _RECOVERY_METHOD:
        audit_record(
            action=AuditAction.GATEWAY_RECOVERY_LOCKED,
            target=customer,
            actor=actor,
            data={
                "challenge": str(challenge.id),
                "method": _RECOVERY_METHOD[counter],
                "until": until.isoformat(),
            },
        )
    else:
        audit_record(
            action=AuditAction.GATEWAY_PIN_LOCKED,
            target=customer,
            actor=actor,
            data={"challenge": str(challenge.id), "until": until.isoformat()},
        )
    customer_locked_out_emit(customer=customer)
    return customer


def customer_locked_out_emit(*, customer: Customer) -> None:
    """customer.locked_out: the PIN or a recovery method just locked after too many wrong tries."""
    event_emit(
        organization=customer.organization_id,
        event=WebhookEvent.CUSTOMER_LOCKED_OUT,
        data=customer_data(customer),
    )


def _counter_save(
    *, customer: Customer, challenge: Challenge, counter: str, counted: Counted, actor: str
) -> Attempt:
    failed_field, until_field, _, _ = _LOCKABLE[counter]
    if counted.attempt is Attempt.LOCKED_NOW:
        assert counted.locked_until is not None  # noqa: S101 - narrows the type for readers
        customer_lock(
            customer=customer, until=counted.locked_until, challenge=challenge, counter=counter, actor=actor
        )
    elif counted.attempt is Attempt.OK:
        # The PIN's row is saved on every success, as it always was (updatedAt moves); the
        # email counter only when it held something, so a right code costs no write.
        if counter == "pin" or getattr(customer, failed_field) or getattr(customer, until_field):
            setattr(customer, failed_field, 0)
            setattr(customer, until_field, None)
            customer.save(update_fields=[failed_field, until_field, "updated_at"])
    elif counted.attempt is Attempt.WRONG and counted.failed != getattr(customer, failed_field):
        # (A proof after a counted OPRF evaluation leaves the count as it is: no write.)
        setattr(customer, failed_field, counted.failed)
        customer.save(update_fields=[failed_field, "updated_at"])
    return counted.attempt


def _counted_attempt(
    *,
    customer: Customer,
    challenge: Challenge,
    counter: str,
    matches: Callable[[], bool],
    actor: str,
    evaluated: bool = False,
) -> Attempt:
    failed_field, until_field, _, _ = _LOCKABLE[counter]
    apply = evaluated_proof_apply if evaluated else attempt_apply
    counted = apply(
        failed=getattr(customer, failed_field),
        locked_until=getattr(customer, until_field),
        matches=matches,
        now=timezone.now(),
    )
    return _counter_save(
        customer=customer, challenge=challenge, counter=counter, counted=counted, actor=actor
    )


@transaction.atomic(savepoint=False)
def customer_pin_attempt(
    *,
    customer: Customer,
    challenge: Challenge,
    matches: Callable[[], bool],
    evaluated: bool = False,
    actor: str = GATEWAY_ACTOR,
) -> Attempt:
    """Count one PIN proof on the customer's durable counter (the caller holds the row lock);
    the PIN_MAX_ATTEMPTS-th failure in a row locks the PIN (customer_lock). With
    evaluated=True the proof follows an OPRF evaluation (scheme v2) that was already counted
    (customer_pin_evaluation): a failure is not counted twice."""
    return _counted_attempt(
        customer=customer,
        challenge=challenge,
        counter="pin",
        matches=matches,
        actor=actor,
        evaluated=evaluated,
    )


@transaction.atomic(savepoint=False)
def customer_pin_evaluation(
    *, customer: Customer, challenge: Challenge, actor: str = GATEWAY_ACTOR
) -> Attempt:
    """Count one OPRF evaluation of the PIN (scheme v2) as a failure until a correct proof
    clears it (the caller holds the row lock). WRONG means counted and may be answered."""
    return _counted_evaluation(customer=customer, challenge=challenge, counter="pin", actor=actor)


def _counted_evaluation(*, customer: Customer, challenge: Challenge, counter: str, actor: str) -> Attempt:
    failed_field, until_field, _, _ = _LOCKABLE[counter]
    counted = evaluation_apply(
        failed=getattr(customer, failed_field),
        locked_until=getattr(customer, until_field),
        now=timezone.now(),
    )
    return _counter_save(
        customer=customer, challenge=challenge, counter=counter, counted=counted, actor=actor
    )


@transaction.atomic(savepoint=False)
def customer_questions_attempt(
    *,
    customer: Customer,
    challenge: Challenge,
    matches: Callable[[], bool],
    evaluated: bool = False,
    actor: str = GATEWAY_ACTOR,
) -> Attempt:
    """Count one security-answers proof on the customer's durable counter, across all of its
    challenges, as customer_pin_attempt does for the PIN (the PIN_MAX_ATTEMPTS-th failure in
    a row locks the questions: customer_lock)."""
    return _counted_attempt(
        customer=customer,
        challenge=challenge,
        counter="questions",
        matches=matches,
        actor=actor,
        evaluated=evaluated,
    )


@transaction.atomic(savepoint=False)
def customer_questions_evaluation(
    *, customer: Customer, challenge: Challenge, actor: str = GATEWAY_ACTOR
) -> Attempt:
    """Count one OPRF evaluation of the answers (scheme v2), as customer_pin_evaluation does."""
    return _counted_evaluation(customer=customer, challenge=challenge, counter="questions", actor=actor)


@transaction.atomic(savepoint=False)
def customer_questions_counter_clear(*, customer: Customer) -> None:
    """New answers were stored: their counter starts again (no write when it is clear)."""
    if customer.questions_failed_attempts or customer.questions_locked_until:
        customer.questions_failed_attempts = 0
        customer.questions_locked_at = None
        customer.questions_locked_until = None
        customer.save(
            update_fields=[
                "questions_failed_attempts",
                "questions_locked_at",
                "questions_locked_until",
                "updated_at",
            ]
        )


@transaction.atomic(savepoint=False)
def customer_email_code_attempt(
    *, customer: Customer, challenge: Challenge, matches: Callable[[], bool], actor: str = GATEWAY_ACTOR
) -> Attempt:
    """Count one email recovery code on the customer's durable counter, across all of its
    challenges (the caller holds the row lock): the PIN_MAX_ATTEMPTS-th wrong code in a row
    locks email recovery for PIN_LOCK_SECONDS (customer_lock), however many reset-pin
    challenges the codes were spread over."""
    return _counted_attempt(
        customer=customer, challenge=challenge, counter="email", matches=matches, actor=actor
    )
