"""CHANGE_PIN and SET_RECOVERY through the page steps: the current PIN first (a wrong one counts
toward the lockout), then the same shard under a new PIN, or a new recovery copy that replaces the
old one (the other method's copy is deleted in the same transaction)."""

import re
import secrets

import pytest
from django.core import mail

from core.crypto import b64url
from core.models import AuditEvent
from customers.models import Challenge
from gateway.models import EmailRecovery, PinCredential, QuestionRecovery

from .conftest import Flow
from .factories import challenge_make, customer_make
from .seed import seed_pin, seed_questions
from .test_oprf_steps import v2_proof

pytestmark = pytest.mark.django_db

PIN = "480317"
NEW_PIN = "593017"
IDS = ["first_pet", "first_school", "first_job"]


@pytest.fixture
def customer():
    shard = secrets.token_bytes(32)
    customer = customer_make()
    seed_pin(customer, PIN, shard)
    seed_questions(customer, IDS, ["a1a", "b2b", "c3c"], shard)
    customer.refresh_from_db()
    return customer


def flow_of(customer, type_):
    flow = Flow(challenge_make(customer=customer, type=type_))
    flow.open()
    return flow


def unlock(flow, pin=PIN):
    proof = v2_proof(flow, pin, salt=bytes(PinCredential.objects.get(customer=flow.challenge.customer).salt))
    return flow.post("pin/verify", proof, raw=True)


def test_change_pin_needs_the_current_pin_then_stores_the_new_copy(customer):
    flow = flow_of(customer, Challenge.Type.CHANGE_PIN)
    old = PinCredential.objects.get(customer=customer)
    assert flow.post("pin/start").status_code == 409  # the current PIN first
    response = unlock(flow, "000000")
    assert response.status_code == 403 and flow.customer.pin_failed_attempts == 1
    assert unlock(flow).status_code == 200
    assert flow.customer.pin_failed_attempts == 0
    flow.set_pin()
    new = PinCredential.objects.get(customer=customer)
    assert bytes(new.salt) != bytes(old.salt) and bytes(new.wrapped_shard) == bytes(flow.wrapped)
    assert flow.post("complete").status_code == 200
    flow.challenge.refresh_from_db()
    assert flow.challenge.status == "verified" and flow.challenge.result["hasPin"] is True


def test_set_recovery_by_email_replaces_the_security_questions(customer, django_capture_on_commit_callbacks):
    flow = flow_of(customer, Challenge.Type.SET_RECOVERY)
    assert unlock(flow).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.post("recovery/email/start", {"email": "ana@example.com"}).status_code == 200
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    # Until the new copy is stored, the old one is still there.
    assert QuestionRecovery.objects.filter(customer=customer).exists()
    response = flow.post(
        "recovery/email/confirm",
        {"code": code, "recoveryKey": b64url(secrets.token_bytes(32)), "wrappedShard": b64url(flow.wrapped)},
    )
    assert response.status_code == 200, response.json()
    assert not QuestionRecovery.objects.filter(customer=customer).exists()
    assert EmailRecovery.objects.filter(customer=customer).exists()
    assert flow.customer.recovery_methods == ["EMAIL"]
    assert AuditEvent.objects.filter(action="gateway.recovery_replaced", target_id=str(customer.pk)).exists()
    assert flow.post("complete").status_code == 200


def test_set_recovery_replaces_the_answers_of_the_questions(customer):
    old = QuestionRecovery.objects.get(customer=customer)
    flow = flow_of(customer, Challenge.Type.SET_RECOVERY)
    page = flow.open().content.decode()
    assert "Change your recovery" in page and "replaces your current recovery" in page
    assert unlock(flow).status_code == 200
    new_auth = secrets.token_bytes(32)
    response = flow.set_questions(ids=("first_job", "first_pet", "first_school"), auth_key=new_auth)
    assert response.status_code == 200, response.json()
    new = QuestionRecovery.objects.get(customer=customer)
    assert new.question_ids == ["first_job", "first_pet", "first_school"]
    assert bytes(new.auth_hmac) != bytes(old.auth_hmac) and bytes(new.salt) != bytes(old.salt)
    assert flow.customer.recovery_methods == ["SECURITY_QUESTIONS"]
