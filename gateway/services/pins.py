"""The PIN steps: choosing a PIN (pin_choose) and entering it to unlock the shard (pin_enter)."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from core.crypto import constant_time_equal, decrypt, encrypt, peppered_hmac
from customers.models import Challenge, Customer
from customers.services import customer_pin_attempt, customer_pin_set

from .. import scheme
from ..errors import GatewayErrorCode as Code
from ..errors import Locked, StepOutOfOrder, WrongSecret
from ..models import SCHEME_VERSION, PinCredential
from .attempts import Attempt, ProofOutcome, tries_left, tries_phrase
from .sessions import session_state, session_state_update
from .steps import step_challenge, step_done

PIN_SECRET_PURPOSE = "gateway-pin-secret"  # noqa: S105 - a key-purpose label, not a secret
PENDING_PURPOSE = "gateway-pending-secret"
AUTH_PURPOSE = "gateway-pin-auth"


def auth_hmac(auth_key: bytes, *, purpose: str = AUTH_PURPOSE) -> bytes:
    return peppered_hmac(auth_key, purpose=purpose)


def pending_material_create(*, session: SessionBase, challenge: Challenge, kind: str) -> dict[str, str]:
    """A fresh salt and secret `s` for a copy about to be made; kept (encrypted) in the session only."""
    salt, secret = scheme.new_salt(), scheme.new_secret()
    aad = scheme.secret_aad(customer_id=challenge.customer_id, kind=kind)
    pending = dict(session_state(session=session, challenge_id=challenge.id).get("pending", {}))
    pending[kind] = {
        "salt": scheme.encode(salt),
        "secret": scheme.encode(encrypt(secret, purpose=PENDING_PURPOSE, aad=aad)),
    }
    session_state_update(session=session, challenge_id=challenge.id, pending=pending)
    return {"salt": scheme.encode(salt), "secret": scheme.encode(secret)}


def pending_material_take(*, session: SessionBase, challenge: Challenge, kind: str) -> tuple[bytes, bytes]:
    pending = session_state(session=session, challenge_id=challenge.id).get("pending", {}).get(kind)
    if not pending:
        raise StepOutOfOrder("Start this step again: no key material was prepared for it.")
    aad = scheme.secret_aad(customer_id=challenge.customer_id, kind=kind)
    salt = scheme.decode_field(pending["salt"], field="salt", length=scheme.SALT_BYTES)
    secret = decrypt(
        scheme.decode_field(pending["secret"], field="secret", length=2 + 12 + 16 + 32),
        purpose=PENDING_PURPOSE,
        aad=aad,
    )
    return salt, secret


def pending_material_clear(*, session: SessionBase, challenge: Challenge, kind: str) -> None:
    pending = dict(session_state(session=session, challenge_id=challenge.id).get("pending", {}))
    pending.pop(kind, None)
    session_state_update(session=session, challenge_id=challenge.id, pending=pending)


def pin_setup_start(*, challenge_id: uuid.UUID, session: SessionBase) -> dict[str, str]:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_start")
    return pending_material_create(session=session, challenge=challenge, kind="pin")


@transaction.atomic
def pin_setup(
    *, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes, wrapped_shard: bytes
) -> Customer:
    """Store the PIN copy (new salt, new `s`); after a restore this replaces the old one."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_setup", lock=True)
    salt, secret = pending_material_take(session=session, challenge=challenge, kind="pin")
    customer = challenge.customer  # row-locked with the challenge
    aad = scheme.secret_aad(customer_id=customer.id, kind="pin")
    PinCredential.objects.update_or_create(
        customer=customer,
        defaults={
            "scheme_version": SCHEME_VERSION,
            "salt": salt,
            "auth_hmac": auth_hmac(auth_key),
            "secret_enc": encrypt(secret, purpose=PIN_SECRET_PURPOSE, aad=aad),
            "wrapped_shard": wrapped_shard,
        },
    )
    customer_pin_set(customer=customer, challenge=challenge, scheme_version=SCHEME_VERSION)
    pending_material_clear(session=session, challenge=challenge, kind="pin")
    step_done(challenge=challenge)
    return customer


@transaction.atomic
def _pin_proof_attempt(*, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes) -> ProofOutcome:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="pin_verify", lock=True)
    customer = challenge.customer  # row-locked with the challenge
    credential = PinCredential.objects.filter(customer=customer).first()
    if not customer.has_pin or credential is None:
        raise StepOutOfOrder("No PIN is set yet. Choose one first.", code=Code.PIN_NOT_NEEDED)
    attempt = customer_pin_attempt(
        customer=customer,
        challenge=challenge,
        matches=lambda: constant_time_equal(auth_hmac(auth_key), bytes(credential.auth_hmac)),
    )
    if attempt is Attempt.OK:
        step_done(challenge=challenge)
        secret = decrypt(
            bytes(credential.secret_enc),
            purpose=PIN_SECRET_PURPOSE,
            aad=scheme.secret_aad(customer_id=customer.id, kind="pin"),
        )
        return ProofOutcome(
            ok=True, salt=bytes(credential.salt), secret=secret, wrapped_shard=bytes(credential.wrapped_shard)
        )
    if attempt in (Attempt.LOCKED_NOW, Attempt.ALREADY_LOCKED):
        return ProofOutcome(ok=False, locked=True)
    return ProofOutcome(ok=False, remaining=tries_left(customer.pin_failed_attempts))


def pin_verify(*, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes) -> ProofOutcome:
    """Check the PIN proof. The failure is committed before the error is raised, so it counts."""
    outcome = _pin_proof_attempt(challenge_id=challenge_id, session=session, auth_key=auth_key)
    if outcome.locked:
        raise Locked("Too many wrong PINs. Your PIN is locked for 30 minutes.")
    if not outcome.ok:
        raise WrongSecret(
            f"That PIN is not correct. {tries_phrase(outcome.remaining)} before it locks for 30 minutes.",
            code=Code.WRONG_PIN,
        )
    return outcome
