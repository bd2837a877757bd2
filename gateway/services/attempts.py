"""What a proof of a secret released (or why not), and how many tries it has left."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import ngettext

from core.conf import app_settings
from customers.lockout import Attempt

__all__ = [
    "Attempt",
    "EvaluationOutcome",
    "ProofOutcome",
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


def tries_left(failed_attempts: int) -> int:
    return int(app_settings.PIN_MAX_ATTEMPTS) - failed_attempts


def tries_phrase(remaining: int) -> str:
    return ngettext("%(count)d try left", "%(count)d tries left", remaining) % {"count": remaining}
