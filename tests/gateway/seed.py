"""Customer states built directly in the database with the Python mirror, to start browser tests mid-way."""

from __future__ import annotations

import secrets

from core.crypto import encrypt
from customers.models import Customer
from gateway.models import PinCredential, QuestionRecovery

from . import scheme_mirror as sm


def seed_pin(customer: Customer, pin: str, shard: bytes) -> None:
    salt, s = secrets.token_bytes(16), secrets.token_bytes(32)
    auth_key, pin_key = sm.derive_keys(pin, salt)
    from gateway.services.pins import auth_hmac

    PinCredential.objects.create(
        customer=customer,
        salt=salt,
        auth_hmac=auth_hmac(auth_key),
        secret_enc=encrypt(s, purpose="gateway-pin-secret", aad=sm.shard_aad(customer.id, "pin")),
        wrapped_shard=sm.wrap_shard(sm.wrap_key(pin_key, s), shard, sm.shard_aad(customer.id, "pin")),
    )
    Customer.objects.filter(pk=customer.pk).update(has_pin=True)


def seed_questions(customer: Customer, ids: list[str], answers: list[str], shard: bytes) -> None:
    from gateway.services.pins import auth_hmac
    from gateway.services.recovery import QUESTIONS_AUTH_PURPOSE, QUESTIONS_SECRET_PURPOSE

    salt, s = secrets.token_bytes(16), secrets.token_bytes(32)
    auth_key, key = sm.derive_keys(sm.answers_secret(answers), salt)
    QuestionRecovery.objects.create(
        customer=customer,
        question_ids=ids,
        salt=salt,
        auth_hmac=auth_hmac(auth_key, purpose=QUESTIONS_AUTH_PURPOSE),
        secret_enc=encrypt(s, purpose=QUESTIONS_SECRET_PURPOSE, aad=sm.shard_aad(customer.id, "questions")),
        wrapped_shard=sm.wrap_shard(sm.wrap_key(key, s), shard, sm.shard_aad(customer.id, "questions")),
    )
    Customer.objects.filter(pk=customer.pk).update(has_recovery=True, recovery_methods=["SECURITY_QUESTIONS"])
