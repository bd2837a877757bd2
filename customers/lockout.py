"""Durable failure counters for secret proofs: N wrong in a row lock the secret for a while."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from core.conf import app_settings

if TYPE_CHECKING:
    from .models import Customer


class Attempt(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED_NOW = "locked_now"
    ALREADY_LOCKED = "already_locked"


@dataclass(frozen=True)
class Counted:
    """One proof applied to a counter: its outcome and the counter's new values."""

    attempt: Attempt
    failed: int
    locked_until: datetime | None


def attempt_apply(
    *, failed: int, locked_until: datetime | None, matches: Callable[[], bool], now: datetime
) -> Counted:
    """A success resets the counter; the PIN_MAX_ATTEMPTS-th failure in a row locks for
    PIN_LOCK_SECONDS. `matches` is only called while the secret is not locked."""
    if locked_until and locked_until > now:
        return Counted(Attempt.ALREADY_LOCKED, failed, locked_until)
    if matches():
        return Counted(Attempt.OK, 0, None)
    failures = failed + 1
    if failures >= app_settings.PIN_MAX_ATTEMPTS:
        return Counted(Attempt.LOCKED_NOW, 0, now + timedelta(seconds=app_settings.PIN_LOCK_SECONDS))
    return Counted(Attempt.WRONG, failures, locked_until)


def evaluation_apply(*, failed: int, locked_until: datetime | None, now: datetime) -> Counted:
    """An OPRF evaluation (PIN scheme v2) counts as a failure when it is made, so it is no free
    oracle. If PIN_MAX_ATTEMPTS are already counted (evaluations left without a correct proof),
    this one locks instead of being answered."""
    if locked_until and locked_until > now:
        return Counted(Attempt.ALREADY_LOCKED, failed, locked_until)
    if failed >= app_settings.PIN_MAX_ATTEMPTS:
        return Counted(Attempt.LOCKED_NOW, 0, now + timedelta(seconds=app_settings.PIN_LOCK_SECONDS))
    return Counted(Attempt.WRONG, failed + 1, locked_until)


def evaluated_proof_apply(
    *, failed: int, locked_until: datetime | None, matches: Callable[[], bool], now: datetime
) -> Counted:
    """A proof that follows a counted evaluation: a success clears the counter; a failure was
    already counted by its evaluation, and locks once the counter reaches PIN_MAX_ATTEMPTS."""
    if locked_until and locked_until > now:
        return Counted(Attempt.ALREADY_LOCKED, failed, locked_until)
    if matches():
        return Counted(Attempt.OK, 0, None)
    if failed >= app_settings.PIN_MAX_ATTEMPTS:
        return Counted(Attempt.LOCKED_NOW, 0, now + timedelta(seconds=app_settings.PIN_LOCK_SECONDS))
    return Counted(Attempt.WRONG, failed, locked_until)


def lock_active(locked_until: datetime | None, *, now: datetime) -> datetime | None:
    """`locked_until` if that lock still holds at `now`, else None."""
    return locked_until if locked_until is not None and locked_until > now else None


def customer_pin_locked_until(customer: Customer) -> datetime | None:
    """When the customer's PIN unlocks, if it is locked now (pinStatus LOCKED)."""
    return lock_active(customer.pin_locked_until, now=timezone.now()) if customer.has_pin else None


def customer_recovery_locked_until(customer: Customer) -> datetime | None:
    """When the first of the customer's recovery methods unlocks, if every one it has is
    locked now (no way to open the backup): None while one of them still works."""
    now = timezone.now()
    until = {
        "SECURITY_QUESTIONS": customer.questions_locked_until,
        "EMAIL": customer.email_locked_until,
    }
    locks = [lock_active(until.get(method), now=now) for method in customer.recovery_methods or []]
    if not locks or any(lock is None for lock in locks):
        return None
    return min(lock for lock in locks if lock is not None)


def lock_expiry_text(until: datetime) -> str:
    """A lock's end as the API writes dates (ISO 8601, UTC as Z)."""
    return until.isoformat().replace("+00:00", "Z")


def pin_locked_message(until: datetime) -> str:
    return f"The customer's PIN is locked until {lock_expiry_text(until)} after too many wrong attempts"
