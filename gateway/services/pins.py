"""The PIN steps: choosing a PIN (pin_choose) and entering it to unlock the shard (pin_enter).

Scheme v2 (gateway/services/oprf.py): a new PIN copy is made from the OPRF output of the PIN;
an unlock of a v2 copy is `pin/evaluate` (counted) then `pin/verify` naming that evaluation;
a v1 copy, or one under an older OPRF key, is moved on its next unlock (`pin/upgrade`).
"""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, SystemActor
from core.crypto import constant_time_equal, decrypt, encrypt, peppered_hmac
from core.services import audit_record
from customers.models import Challenge, Customer
from customers.services import customer_pin_attempt, customer_pin_evaluation, customer_pin_set

from .. import scheme
from ..errors import GatewayErrorCode as Code
from ..errors import Locked, StepOutOfOrder, WrongSecret
from ..models import SCHEME_V2, SCHEME_VERSION, OprfEvaluation, PinCredential
from .attempts import EvaluationOutcome, ProofOutcome, tries_left, tries_phrase
from .oprf import (
    Counter,
    Pending,
    blinded_element_decode,
    copy_evaluate,
    copy_prove,
    pending_material_clear,
    pending_material_create,
    pending_material_take,
)
from .steps import step_challenge, step_done

PIN_SECRET_PURPOSE = "gateway-pin-secret"  # noqa: S105 - a key-purpose label, not a secret
AUTH_PURPOSE = "gateway-pin-auth"
OPRF_PURPOSE = OprfEvaluation.Purpose.PIN


def auth_hmac(auth_key: bytes, *, purpose: str = AUTH_PURPOSE) -> bytes:
    return peppered_hmac(auth_key, purpose=purpose)


def pin_setup_start(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> dict[str, str]:
    """Salt, `s` and the OPRF evaluation of the new PIN's blinded element (not counted: no PIN yet)."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_start")
    element = blinded_element_decode(blinded_element)
    return pending_material_create(
        session=session,
        challenge=challenge,
        kind="pin",
        purpose=OPRF_PURPOSE,
        blinded_element=element,
        setup=True,
    )


def _pin_store(
    *, customer: Customer, pending: Pending, auth_key: bytes, wrapped_shard: bytes
) -> PinCredential:
    credential, _ = PinCredential.objects.update_or_create(
        customer=customer,
        defaults={
            "scheme_version": SCHEME_VERSION,
            "oprf_key_version": pending.oprf_key_version,
            "salt": pending.salt,
            "auth_hmac": auth_hmac(auth_key),
            "secret_enc": encrypt(
                pending.secret,
                purpose=PIN_SECRET_PURPOSE,
                aad=scheme.secret_aad(customer_id=customer.id, kind="pin", version=SCHEME_VERSION),
            ),
            "wrapped_shard": wrapped_shard,
        },
    )
    return credential


@transaction.atomic
def pin_setup(
    *, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes, wrapped_shard: bytes
) -> Customer:
    """Store the PIN copy (new salt, new `s`, scheme v2); after a restore this replaces the old one."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_setup", lock=True)
    pending = pending_material_take(session=session, challenge=challenge, kind="pin")
    customer = challenge.customer  # row-locked with the challenge
    _pin_store(customer=customer, pending=pending, auth_key=auth_key, wrapped_shard=wrapped_shard)
    customer_pin_set(customer=customer, challenge=challenge, scheme_version=SCHEME_VERSION)
    pending_material_clear(session=session, challenge=challenge, kind="pin")
    step_done(challenge=challenge)
    return customer


def _pin_copy(challenge: Challenge) -> tuple[Customer, PinCredential]:
    customer = challenge.customer  # row-locked with the challenge
    credential = PinCredential.objects.filter(customer=customer).first()
    if not customer.has_pin or credential is None:
        raise StepOutOfOrder(_("No PIN is set yet. Choose one first."), code=Code.PIN_NOT_NEEDED)
    return customer, credential


def _pin_counter(customer: Customer, challenge: Challenge) -> Counter:
    return Counter(
        evaluation=lambda: customer_pin_evaluation(customer=customer, challenge=challenge),
        proof=lambda matches, evaluated: customer_pin_attempt(
            customer=customer, challenge=challenge, matches=matches, evaluated=evaluated
        ),
        remaining=lambda: tries_left(customer.pin_failed_attempts),
    )


@transaction.atomic
def _pin_evaluate_attempt(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> EvaluationOutcome:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_evaluate", lock=True)
    customer, credential = _pin_copy(challenge)
    return copy_evaluate(
        challenge=challenge,
        purpose=OPRF_PURPOSE,
        record=credential,
        counter=_pin_counter(customer, challenge),
        blinded_value=blinded_element,
    )


def _raise_unless_ok(outcome: EvaluationOutcome | ProofOutcome) -> None:
    if outcome.locked:
        raise Locked(_("Too many wrong PINs. Your PIN is locked for 30 minutes."))
    if outcome.refusal is not None:
        raise outcome.refusal
    if not outcome.ok:
        raise WrongSecret(
            _("That PIN is not correct. %(tries)s before it locks for 30 minutes.")
            % {"tries": tries_phrase(outcome.remaining)},
            code=Code.WRONG_PIN,
        )


def pin_evaluate(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> EvaluationOutcome:
    """The OPRF evaluation an unlock of a v2 PIN copy needs; counted (and committed) before any answer."""
    outcome = _pin_evaluate_attempt(
        challenge_id=challenge_id, session=session, blinded_element=blinded_element
    )
    _raise_unless_ok(outcome)
    return outcome


@transaction.atomic
def _pin_proof_attempt(
    *,
    challenge_id: uuid.UUID,
    session: SessionBase,
    auth_key: bytes,
    evaluation_id: object,
    blinded_element: object,
) -> ProofOutcome:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_verify", lock=True)
    customer, credential = _pin_copy(challenge)
    outcome = copy_prove(
        challenge=challenge,
        session=session,
        purpose=OPRF_PURPOSE,
        record=credential,
        counter=_pin_counter(customer, challenge),
        matches=lambda: constant_time_equal(auth_hmac(auth_key), bytes(credential.auth_hmac)),
        evaluation_value=evaluation_id,
        blinded_value=blinded_element,
    )
    if outcome.ok:
        if outcome.upgrade is None:
            step_done(challenge=challenge)
        outcome.secret = decrypt(
            bytes(credential.secret_enc),
            purpose=PIN_SECRET_PURPOSE,
            aad=scheme.secret_aad(customer_id=customer.id, kind="pin", version=credential.scheme_version),
        )
        outcome.salt = bytes(credential.salt)
        outcome.wrapped_shard = bytes(credential.wrapped_shard)
    return outcome


def pin_verify(
    *,
    challenge_id: uuid.UUID,
    session: SessionBase,
    auth_key: bytes,
    evaluation_id: object = None,
    blinded_element: object = None,
) -> ProofOutcome:
    """Check the PIN proof. A failure is committed before the error is raised, so it counts."""
    outcome = _pin_proof_attempt(
        challenge_id=challenge_id,
        session=session,
        auth_key=auth_key,
        evaluation_id=evaluation_id,
        blinded_element=blinded_element,
    )
    _raise_unless_ok(outcome)
    return outcome


@transaction.atomic
def pin_upgrade(
    *, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes, wrapped_shard: bytes
) -> PinCredential:
    """Replace the unlocked PIN copy by the same shard under scheme v2 and the active OPRF key,
    in one transaction: until it commits, the previous copy stays as it was."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_upgrade", lock=True)
    customer, credential = _pin_copy(challenge)
    pending = pending_material_take(session=session, challenge=challenge, kind=f"{OPRF_PURPOSE}-upgrade")
    before = {"scheme": credential.scheme_version, "oprfKey": credential.oprf_key_version}
    credential = _pin_store(
        customer=customer, pending=pending, auth_key=auth_key, wrapped_shard=wrapped_shard
    )
    audit_record(
        action=AuditAction.GATEWAY_PIN_REKEYED,
        target=customer,
        actor=SystemActor.GATEWAY,
        data={
            "challenge": str(challenge.id),
            "from": before,
            "to": {"scheme": SCHEME_V2, "oprfKey": credential.oprf_key_version},
        },
    )
    pending_material_clear(session=session, challenge=challenge, kind=f"{OPRF_PURPOSE}-upgrade")
    step_done(challenge=challenge)
    return credential
