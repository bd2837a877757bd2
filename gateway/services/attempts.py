"""Durable failure counters for secret proofs: N wrong in a row lock the secret for a while."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models

from core.conf import app_settings


@dataclass
class ProofOutcome:
    ok: bool
    locked: bool = False
    remaining: int = 0
    salt: bytes = b""
    secret: bytes = b""
    wrapped_shard: bytes = b""


class Attempt(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED_NOW = "locked_now"
    ALREADY_LOCKED = "already_locked"


def proof_attempt_count(
    *,
    holder: models.Model,
    failed_field: str,
    locked_field: str,
    matches: Callable[[], bool],
    now: datetime,
    also_save: tuple[str, ...] = (),
) -> Attempt:
    """Apply one proof to `holder`'s counter (the caller holds its row lock) and save it.

    A success resets the counter; the PIN_MAX_ATTEMPTS-th failure in a row locks for
    PIN_LOCK_SECONDS. `matches` is only called while the secret is not locked.
    """
    locked_until = getattr(holder, locked_field)
    if locked_until and locked_until > now:
        return Attempt.ALREADY_LOCKED
    if matches():
        setattr(holder, failed_field, 0)
        setattr(holder, locked_field, None)
        holder.save(update_fields=[failed_field, locked_field, *also_save])
        return Attempt.OK
    failures = getattr(holder, failed_field) + 1
    if failures >= app_settings.PIN_MAX_ATTEMPTS:
        setattr(holder, failed_field, 0)
        setattr(holder, locked_field, now + timedelta(seconds=app_settings.PIN_LOCK_SECONDS))
        holder.save(update_fields=[failed_field, locked_field, *also_save])
        return Attempt.LOCKED_NOW
    setattr(holder, failed_field, failures)
    holder.save(update_fields=[failed_field, *also_save])
    return Attempt.WRONG


def tries_left(failed_attempts: int) -> int:
    return app_settings.PIN_MAX_ATTEMPTS - failed_attempts


def tries_phrase(remaining: int) -> str:
    return f"{remaining} {'try' if remaining == 1 else 'tries'} left"
