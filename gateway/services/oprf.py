"""Scheme v2's server half: OPRF evaluations for the pages (RFC 9497, key from core/keys.py).

Two kinds of evaluation:
- for a copy being made (a new PIN, new answers): under the active key version, returned with
  the pending salt and `s`; nothing exists yet to guess against, so it is not counted;
- for an unlock: under the key version the stored copy was made with, counted as a failed
  attempt on that copy's durable counter when it is made, and recorded (`OprfEvaluation`).
  A proof must name an evaluation of the same challenge and purpose, not yet used; a correct
  one clears the count. So the evaluation is no free oracle: at most PIN_MAX_ATTEMPTS of them
  per lock window are ever answered without a correct proof.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from core import oprf
from core.errors import Conflict, DomainError
from core.keys import oprf_key_provider
from customers.models import Challenge

from .. import scheme
from ..models import OprfEvaluation

ELEMENT_FIELD = "blindedElement"
EVALUATION_FIELD = "evaluationId"


def decode_blinded_element(value: object) -> bytes:
    """A base64url ristretto255 element that is canonical and not the identity, or a 400."""
    raw = scheme.decode_field(value, field=ELEMENT_FIELD, length=oprf.ELEMENT_BYTES)
    try:
        return oprf.deserialize_element(raw)
    except oprf.InvalidElement as exc:
        raise DomainError(
            "blindedElement is not a valid group element.",
            code="invalid_element",
            errors={ELEMENT_FIELD: ["not a valid ristretto255 element"]},
        ) from exc


def oprf_evaluate(*, customer_id: object, purpose: str, blinded_element: bytes, version: int | None = None):
    """(EvaluationElement, key version) for one customer and purpose; the active version by default."""
    provider = oprf_key_provider()
    version = provider.active_version() if version is None else version
    evaluated = provider.blind_evaluate(
        version=version, customer_id=str(customer_id), purpose=purpose, blinded_element=blinded_element
    )
    return evaluated, version


def oprf_evaluation_issue(
    *, challenge: Challenge, purpose: str, key_version: int, blinded_element: bytes
) -> tuple[OprfEvaluation, bytes]:
    """Evaluate for an unlock and record it. The caller has counted it, in the same transaction."""
    evaluated, _ = oprf_evaluate(
        customer_id=challenge.customer_id, purpose=purpose, blinded_element=blinded_element, version=key_version
    )
    record = OprfEvaluation.objects.create(
        challenge=challenge, purpose=purpose, key_version=key_version, blinded_element=blinded_element
    )
    return record, evaluated


def decode_evaluation_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else uuid.UUID(int=-1)
    except ValueError:
        pass
    raise DomainError(
        "evaluationId is missing or malformed.",
        code="invalid",
        errors={EVALUATION_FIELD: ["invalid"]},
    )


def oprf_evaluation_redeem(*, challenge: Challenge, purpose: str, evaluation_id: uuid.UUID) -> OprfEvaluation:
    """Use an evaluation of this challenge and purpose once; anything else is a 409 (the caller counts it)."""
    record = (
        OprfEvaluation.objects.select_for_update()
        .filter(pk=evaluation_id, challenge=challenge, purpose=purpose)
        .first()
    )
    if record is None:
        raise Conflict(
            "That evaluation was not issued for this step. Enter your secret again.", code="evaluation_unknown"
        )
    if record.used_at is not None:
        raise Conflict("That evaluation was already used. Enter your secret again.", code="evaluation_used")
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    return record
