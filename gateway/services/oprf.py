"""Scheme v2's server half: OPRF evaluations (RFC 9497, keys behind core/keys.py) for the copies
wrapped under a secret text (the PIN, the joined answers), and the move of a copy to v2.

- A copy being made (a new PIN, new answers) gets an evaluation under the active key version
  with its pending salt and `s`. Nothing exists yet to guess against: not counted.
- An unlock of a v2 copy first asks for an evaluation under the key version the copy was made
  with. It is counted as a failed attempt on the copy's durable counter when it is made, and
  recorded (`OprfEvaluation`); the proof must name it (once, same challenge and purpose), and
  only a correct proof clears the count. So at most PIN_MAX_ATTEMPTS evaluations are answered
  per lock window without the right secret: the evaluation is no free oracle.
- An unlock of a v1 copy sends a blinded element with its proof; after a correct proof, as
  after a correct v2 proof under an older key version, the page gets an evaluation under the
  active key with a fresh salt and `s` (`upgrade`), and stores the shard wrapped under v2 in
  one transaction (pin/upgrade, restore/questions/upgrade); until then the old copy stays as it was.
Bad input (an element that is not a canonical non-identity ristretto255 encoding, an unknown,
foreign or reused evaluation) is counted like a wrong proof, committed, then refused (4xx).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.translation import gettext as _

from core import oprf
from core.conf import app_settings
from core.crypto import b64url_decode, decrypt, encrypt
from core.errors import Conflict, DomainError, RateLimited
from core.keys import UnknownOprfKeyVersion, oprf_key_provider
from customers.models import Challenge

from .. import scheme
from ..errors import GatewayErrorCode as Code
from ..errors import StepOutOfOrder
from ..models import SCHEME_V2, OprfEvaluation, PinCredential, QuestionRecovery
from .attempts import Attempt, EvaluationOutcome, ProofOutcome
from .sessions import session_state, session_state_update

PENDING_PURPOSE = "gateway-pending-secret"
SETUP_EVALUATIONS_PER_CHALLENGE = 10


def invalid_element() -> DomainError:
    return DomainError(
        "blindedElement is not a valid group element.",
        code=Code.INVALID_ELEMENT,
        errors={"blindedElement": ["not a valid ristretto255 element"]},
    )


def blinded_element_or_none(value: object) -> bytes | None:
    """The decoded element if `value` is base64url of a canonical, non-identity element."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return oprf.deserialize_element(b64url_decode(value))
    except (ValueError, oprf.InvalidElement):
        return None


def blinded_element_decode(value: object) -> bytes:
    element = blinded_element_or_none(value)
    if element is None:
        raise invalid_element()
    return element


def oprf_evaluate(
    *, customer_id: object, purpose: str, blinded_element: bytes, version: int | None = None
) -> tuple[bytes, int]:
    """(EvaluationElement, key version) for one customer and purpose; the active version by default."""
    provider = oprf_key_provider()
    version = provider.active_version() if version is None else version
    evaluated = provider.blind_evaluate(
        version=version, customer_id=str(customer_id), purpose=purpose, blinded_element=blinded_element
    )
    return evaluated, version


# --- Pending material of a copy being made (kept in the session, `s` encrypted) ---------------


def pending_material_create(
    *,
    session: SessionBase,
    challenge: Challenge,
    kind: str,
    purpose: str,
    blinded_element: bytes,
    setup: bool = False,
) -> dict[str, str]:
    """A fresh salt and `s` for a v2 copy about to be made, and the OPRF evaluation of the page's
    blinded element under the active key; kept (encrypted) in the session only.

    A setup evaluation is not counted on a failure counter (there may be no copy yet), but it
    is recorded and capped per challenge: after a restore the previous PIN copy still exists
    under the same key until the new one replaces it, so these are no unbounded oracle either."""
    if setup:
        made = OprfEvaluation.objects.filter(challenge=challenge, purpose=purpose).count()
        if made >= SETUP_EVALUATIONS_PER_CHALLENGE:
            raise RateLimited(
                _("Too many attempts to set this up in one session. Go back to the app and start again."),
                retry_after=app_settings.CHALLENGE_TTL_SECONDS,
            )
        OprfEvaluation.objects.create(
            challenge=challenge,
            purpose=purpose,
            key_version=oprf_key_provider().active_version(),
            blinded_element=blinded_element,
            used_at=timezone.now(),
        )
    evaluated, version = oprf_evaluate(
        customer_id=challenge.customer_id, purpose=purpose, blinded_element=blinded_element
    )
    salt, secret = scheme.new_salt(), scheme.new_secret()
    aad = scheme.secret_aad(customer_id=challenge.customer_id, kind=kind)
    pending = dict(session_state(session=session, challenge_id=challenge.id).get("pending", {}))
    pending[kind] = {
        "salt": scheme.encode(salt),
        "secret": scheme.encode(encrypt(secret, purpose=PENDING_PURPOSE, aad=aad)),
        "oprfKeyVersion": version,
    }
    session_state_update(session=session, challenge_id=challenge.id, pending=pending)
    return {
        "salt": scheme.encode(salt),
        "secret": scheme.encode(secret),
        "evaluatedElement": scheme.encode(evaluated),
    }


@dataclass(frozen=True)
class Pending:
    salt: bytes
    secret: bytes
    oprf_key_version: int


def pending_material_take(*, session: SessionBase, challenge: Challenge, kind: str) -> Pending:
    pending = session_state(session=session, challenge_id=challenge.id).get("pending", {}).get(kind)
    if not pending or "oprfKeyVersion" not in pending:
        raise StepOutOfOrder(_("Start this step again: no key material was prepared for it."))
    aad = scheme.secret_aad(customer_id=challenge.customer_id, kind=kind)
    salt = scheme.decode_field(pending["salt"], field="salt", length=scheme.SALT_BYTES)
    secret = decrypt(
        scheme.decode_field(pending["secret"], field="secret", length=2 + 12 + 16 + 32),
        purpose=PENDING_PURPOSE,
        aad=aad,
    )
    return Pending(salt=salt, secret=secret, oprf_key_version=int(pending["oprfKeyVersion"]))


def pending_material_clear(*, session: SessionBase, challenge: Challenge, kind: str) -> None:
    pending = dict(session_state(session=session, challenge_id=challenge.id).get("pending", {}))
    pending.pop(kind, None)
    session_state_update(session=session, challenge_id=challenge.id, pending=pending)


# --- Unlock of a stored copy ------------------------------------------------------------------


@dataclass
class Counter:
    """How one copy counts: an evaluation, a proof (after an evaluation or not), tries left."""

    evaluation: Callable[[], Attempt]
    proof: Callable[[Callable[[], bool], bool], Attempt]
    remaining: Callable[[], int]


def _locked(attempt: Attempt) -> bool:
    return attempt in (Attempt.LOCKED_NOW, Attempt.ALREADY_LOCKED)


def copy_evaluate(
    *,
    challenge: Challenge,
    purpose: str,
    record: PinCredential | QuestionRecovery,
    counter: Counter,
    blinded_value: object,
) -> EvaluationOutcome:
    """Count, then answer, one evaluation for an unlock of a v2 copy (caller: in a transaction,
    holding the copy's counter row locked)."""
    if record.scheme_version != SCHEME_V2:
        raise StepOutOfOrder(_("This copy is not protected by an OPRF yet."), code=Code.SCHEME_MISMATCH)
    attempt = counter.evaluation()
    if _locked(attempt):
        return EvaluationOutcome(ok=False, locked=True)
    blinded = blinded_element_or_none(blinded_value)
    if blinded is None:
        return EvaluationOutcome(ok=False, remaining=counter.remaining(), refusal=invalid_element())
    try:
        evaluated, key_version = oprf_evaluate(
            customer_id=challenge.customer_id,
            purpose=purpose,
            blinded_element=blinded,
            version=record.oprf_key_version,
        )
    except UnknownOprfKeyVersion:
        # An operator dropped a key version some copy still needs: say so, count nothing.
        raise Conflict(
            _("This copy can no longer be checked. Use your recovery to reset it."),
            code=Code.OPRF_KEY_RETIRED,
        ) from None
    evaluation = OprfEvaluation.objects.create(
        challenge=challenge, purpose=purpose, key_version=key_version, blinded_element=blinded
    )
    return EvaluationOutcome(ok=True, evaluation_id=str(evaluation.id), evaluated=evaluated)


def _evaluation_redeem(*, challenge: Challenge, purpose: str, value: object) -> OprfEvaluation | Exception:
    try:
        evaluation_id = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        evaluation_id = None
    record = (
        OprfEvaluation.objects.select_for_update()
        .filter(pk=evaluation_id, challenge=challenge, purpose=purpose)
        .first()
        if evaluation_id
        else None
    )
    if record is None:
        return Conflict(
            _("That evaluation was not issued for this step. Enter it again."), code=Code.EVALUATION_UNKNOWN
        )
    if record.used_at is not None:
        return Conflict(_("That evaluation was already used. Enter it again."), code=Code.EVALUATION_USED)
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    return record


def copy_prove(
    *,
    challenge: Challenge,
    session: SessionBase,
    purpose: str,
    record: PinCredential | QuestionRecovery,
    counter: Counter,
    matches: Callable[[], bool],
    evaluation_value: object,
    blinded_value: object,
) -> ProofOutcome:
    """Count one proof for a stored copy (v2: naming its counted evaluation; v1: with a blinded
    element for the move to v2). On success, the page gets `upgrade` material when the copy is
    v1 or under an older OPRF key version (caller: in a transaction, holding the counter row)."""
    if record.scheme_version == SCHEME_V2:
        redeemed = _evaluation_redeem(challenge=challenge, purpose=purpose, value=evaluation_value)
        if isinstance(redeemed, Exception):
            attempt = counter.proof(lambda: False, False)
            return ProofOutcome(
                ok=False, locked=_locked(attempt), remaining=counter.remaining(), refusal=redeemed
            )
        attempt = counter.proof(matches, True)
        active = oprf_key_provider().active_version()
        upgrade_element = redeemed.blinded_element if record.oprf_key_version != active else None
    else:
        upgrade_element = blinded_element_or_none(blinded_value)
        if upgrade_element is None:
            attempt = counter.proof(lambda: False, False)
            return ProofOutcome(
                ok=False, locked=_locked(attempt), remaining=counter.remaining(), refusal=invalid_element()
            )
        attempt = counter.proof(matches, False)
    if attempt is not Attempt.OK:
        return ProofOutcome(ok=False, locked=_locked(attempt), remaining=counter.remaining())
    upgrade = None
    if upgrade_element is not None:
        upgrade = pending_material_create(
            session=session,
            challenge=challenge,
            kind=f"{purpose}-upgrade",
            purpose=purpose,
            blinded_element=bytes(upgrade_element),
        )
    return ProofOutcome(ok=True, upgrade=upgrade)
