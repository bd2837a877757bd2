"""Failure counters of the gateway's own secrets (recovery copies), and what a proof released."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.translation import ngettext

from core.conf import app_settings
from customers.lockout import Attempt, Counted, attempt_apply, evaluated_proof_apply, evaluation_apply

__all__ = [
    "Attempt",
    "EvaluationOutcome",
    "ProofOutcome",
    "evaluation_attempt_count",
    "proof_attempt_count",
    "tries_left",
    "tries_phrase",
]


@dataclass
class ProofOutcome:
    ok: bool
    locked: bool = False
    remaining: int = 0
    salt: bytes = b""
    secret: bytes = b""
    wrapped_shard: bytes = b""
    # Scheme v2: an unlocked copy to be moved to v2 or re-keyed: {salt, secret, evaluatedElement}.
    upgrade: dict[str, str] | None = None
    # A refused proof (unknown or reused evaluation, invalid element), raised once it is counted.
    refusal: Exception | None = None


@dataclass
class EvaluationOutcome:
    """An unlock's OPRF evaluation (scheme v2), counted before it is answered."""

    ok: bool
    locked: bool = False
    remaining: int = 0
    evaluation_id: str = ""
    evaluated: bytes = b""
    refusal: Exception | None = None


def proof_attempt_count(
    *,
    holder: models.Model,
    failed_field: str,
    locked_field: str,
    matches: Callable[[], bool],
    now: datetime,
    evaluated: bool = False,
) -> Attempt:
    """Apply one proof to the counter on `holder`, a gateway row the caller holds locked, and
    save it. (The PIN's counter is on the customer: customers.services.customer_pin_attempt.)
    With evaluated=True the proof follows a counted OPRF evaluation: a failure is not counted twice."""
    apply = evaluated_proof_apply if evaluated else attempt_apply
    counted = apply(
        failed=getattr(holder, failed_field),
        locked_until=getattr(holder, locked_field),
        matches=matches,
        now=now,
    )
    return _save(holder=holder, failed_field=failed_field, locked_field=locked_field, counted=counted)


def evaluation_attempt_count(
    *, holder: models.Model, failed_field: str, locked_field: str, now: datetime
) -> Attempt:
    """Count one OPRF evaluation (scheme v2) on `holder`'s counter as a failure until a correct
    proof clears it. WRONG means counted and may be answered."""
    counted = evaluation_apply(
        failed=getattr(holder, failed_field), locked_until=getattr(holder, locked_field), now=now
    )
    return _save(holder=holder, failed_field=failed_field, locked_field=locked_field, counted=counted)


def _save(*, holder: models.Model, failed_field: str, locked_field: str, counted: Counted) -> Attempt:
    if counted.attempt is Attempt.ALREADY_LOCKED:
        return counted.attempt
    setattr(holder, failed_field, counted.failed)
    setattr(holder, locked_field, counted.locked_until)
    changed = [failed_field] if counted.attempt is Attempt.WRONG else [failed_field, locked_field]
    holder.save(update_fields=changed)
    return counted.attempt


def tries_left(failed_attempts: int) -> int:
    return int(app_settings.PIN_MAX_ATTEMPTS) - failed_attempts


def tries_phrase(remaining: int) -> str:
    return ngettext("%(count)d try left", "%(count)d tries left", remaining) % {"count": remaining}
