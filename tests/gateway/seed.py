"""Customer states built directly in the database with the Python mirror, to start browser tests mid-way.

scheme=2 (the default) makes a copy as today's page does (the OPRF output through the server's
key); scheme=1 makes it as the page did before scheme v2 (PBKDF2 of the text itself), the state
of customers onboarded with the previous code.
"""

from __future__ import annotations

import secrets

from core.crypto import encrypt
from core.keys import oprf_key_provider
from customers.models import Customer
from gateway.models import PinCredential, QuestionRecovery

from . import scheme_mirror as sm


def _copy(customer: Customer, *, kind: str, purpose: str, text: str, shard: bytes, scheme: int) -> dict:
    salt, s = secrets.token_bytes(16), secrets.token_bytes(32)
    version = oprf_key_provider().active_version() if scheme == sm.SCHEME_V2 else None
    base = sm.server_oprf_output(customer.id, purpose, text, version) if version else text
    auth_key, key = sm.derive_keys(base, salt)
    aad = sm.shard_aad(customer.id, kind, scheme)
    return {
        "auth_key": auth_key,
        "fields": {
            "scheme_version": scheme,
            "oprf_key_version": version,
            "salt": salt,
            "wrapped_shard": sm.wrap_shard(sm.wrap_key(key, s), shard, aad),
        },
        "s": s,
        "aad": aad,
    }


def seed_pin(customer: Customer, pin: str, shard: bytes, *, scheme: int = sm.SCHEME_V2) -> None:
    from gateway.services.pins import auth_hmac

    made = _copy(customer, kind="pin", purpose="pin", text=pin, shard=shard, scheme=scheme)
    PinCredential.objects.create(
        customer=customer,
        auth_hmac=auth_hmac(made["auth_key"]),
        secret_enc=encrypt(made["s"], purpose="gateway-pin-secret", aad=made["aad"]),
        **made["fields"],
    )
    Customer.objects.filter(pk=customer.pk).update(has_pin=True)


def seed_questions(
    customer: Customer, ids: list[str], answers: list[str], shard: bytes, *, scheme: int = sm.SCHEME_V2
) -> None:
    from gateway.services.pins import auth_hmac
    from gateway.services.recovery import QUESTIONS_AUTH_PURPOSE, QUESTIONS_SECRET_PURPOSE

    text = sm.answers_secret(answers)
    made = _copy(customer, kind="questions", purpose="questions", text=text, shard=shard, scheme=scheme)
    QuestionRecovery.objects.create(
        customer=customer,
        question_ids=ids,
        auth_hmac=auth_hmac(made["auth_key"], purpose=QUESTIONS_AUTH_PURPOSE),
        secret_enc=encrypt(made["s"], purpose=QUESTIONS_SECRET_PURPOSE, aad=made["aad"]),
        **made["fields"],
    )
    Customer.objects.filter(pk=customer.pk).update(has_recovery=True, recovery_methods=["SECURITY_QUESTIONS"])
