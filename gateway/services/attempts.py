"""Failure counters of the gateway's own secrets (recovery copies), and what a proof released."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from core.conf import app_settings
from customers.lockout import Attempt, attempt_apply

__all__ = ["Attempt", "ProofOutcome", "proof_attempt_count", "tries_left", "tries_phrase"]


@dataclass
class ProofOutcome:
    ok: bool
    locked: bool = False
    remaining: int = 0
    salt: bytes = b""
    secret: bytes = b""
    wrapped_shard: bytes = b""


def proof_attempt_count(
    *,
    holder: models.Model,
    failed_field: str,
    locked_field: str,
    matches: Callable[[], bool],
    now: datetime,
) -> Attempt:
    """Apply one proof to the counter on `holder`, a gateway row the caller holds locked, and
    save it. (The PIN's counter is on the customer: customers.services.customer_pin_attempt.)"""
    counted = attempt_apply(
        failed=getattr(holder, failed_field),
        locked_until=getattr(holder, locked_field),
        matches=matches,
        now=now,
    )
    if counted.attempt is Attempt.ALREADY_LOCKED:
        return counted.attempt
    setattr(holder, failed_field, counted.failed)
    setattr(holder, locked_field, counted.locked_until)
    changed = [failed_field] if counted.attempt is Attempt.WRONG else [failed_field, locked_field]
    holder.save(update_fields=changed)
    return counted.attempt


def tries_left(failed_attempts: int) -> int:
    return app_settings.PIN_MAX_ATTEMPTS - failed_attempts


def tries_phrase(remaining: int) -> str:
    return f"{remaining} {'try' if remaining == 1 else 'tries'} left"
