"""Email recovery under attack (issue 12, item 1): an integrator key holder creating reset-pin
challenges and guessing email codes on each. Codes count per customer across challenges."""

import json
import secrets
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.crypto import encrypt
from core.models import AuditEvent
from customers.models import Challenge, Customer
from customers.services import api_key_create
from gateway.models import EmailCode, EmailRecovery

from . import scheme_mirror as sm
from .conftest import Flow
from .factories import challenge_make, customer_make, organization_make

pytestmark = pytest.mark.django_db

ORIGIN = "https://wallet.example.com"


@pytest.fixture(autouse=True)
def _generous_api_rate_limit(settings):
    settings.ONBOARDING = {**settings.ONBOARDING, "CUSTOMERS_RATE_LIMIT": "100000/s"}


@pytest.fixture
def victim(db):
    """A customer with a PIN and email recovery, and the FULL key of its organization."""
    customer = customer_make(organization=organization_make(origin=ORIGIN))
    EmailRecovery.objects.create(
        customer=customer,
        email="victim@example.com",
        key_enc=encrypt(
            secrets.token_bytes(32), purpose="email-recovery-key", aad=sm.shard_aad(customer.id, "email")
        ),
        wrapped_shard=secrets.token_bytes(60),
    )
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True, has_recovery=True, recovery_methods=["EMAIL"]
    )
    _, key = api_key_create(organization=customer.organization)
    customer.api_key = key
    return customer


def _reset_pin(customer):
    return Client().post(
        f"/v2/customers/{customer.id}/reset-pin",
        json.dumps({"redirectUrl": f"{ORIGIN}/back"}),
        content_type="application/json",
        headers={"PLANBOK-X-API-KEY": customer.api_key},
    )


def _opened(customer):
    response = _reset_pin(customer)
    if response.status_code != 201:
        return response, None
    flow = Flow(Challenge.objects.get(pk=response.json()["data"]["challengeId"]))
    flow.open()
    return response, flow


def _code():
    return mail.outbox[-1].body.split("code is ")[1][:6]


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _escrow(customer):
    record = EmailRecovery.objects.get(customer=customer)
    return bytes(record.key_enc), bytes(record.wrapped_shard)


def test_the_attack_many_reset_challenges_and_wrong_codes_checks_a_bounded_number(
    victim, django_capture_on_commit_callbacks
):
    escrow = _escrow(victim)
    answers: dict[int, int] = {}
    for _ in range(30):
        created, flow = _opened(victim)
        answers[created.status_code] = answers.get(created.status_code, 0) + 1
        if flow is None:
            continue
        with django_capture_on_commit_callbacks(execute=True):
            sent = flow.post("restore/email/start")
        answers[sent.status_code] = answers.get(sent.status_code, 0) + 1
        code = _code() if sent.status_code == 200 else "000000"
        for _ in range(6):
            guess = flow.post("restore/email/confirm", {"code": _wrong(code)})
            answers[guess.status_code] = answers.get(guess.status_code, 0) + 1
            assert "recoveryKey" not in guess.content.decode()

    # However many challenges were asked for, five codes were compared for this customer.
    compared = sum(EmailCode.objects.filter(challenge__customer=victim).values_list("attempts", flat=True))
    assert compared == 5
    assert answers[403] == 4 and answers[423] >= 1
    # Once email recovery (the victim's only method) is locked, reset-pin is refused up front
    # (409 with lockedExpiryDate) instead of opening a page that cannot work; nothing created.
    assert answers[201] == 1 and answers[409] == 29
    assert Challenge.objects.filter(customer=victim).count() == 1
    # Locked: shown on the customer, audited once, the challenge that hit it failed, nothing released.
    victim.refresh_from_db()
    assert victim.email_recovery_locked and victim.email_locked_until > timezone.now() + timedelta(minutes=29)
    details = (
        Client()
        .get(f"/v2/customers/{victim.id}", headers={"PLANBOK-X-API-KEY": victim.api_key})
        .json()["data"]["emailRecoveryDetails"]
    )
    assert details["lockedExpiryDate"] is not None and details["lockedDate"] is not None
    locks = AuditEvent.objects.filter(action="gateway.recovery_locked", target_id=str(victim.id))
    assert locks.count() == 1 and locks.get().data["method"] == "EMAIL"
    failed = Challenge.objects.get(pk=locks.get().data["challenge"])
    assert failed.status == "failed" and failed.result == {"reason": "RECOVERY_LOCKED"}
    assert _escrow(victim) == escrow


def test_wrong_codes_count_across_challenges_and_a_right_code_then_is_refused(
    victim, django_capture_on_commit_callbacks
):
    _, first = _opened(victim)
    with django_capture_on_commit_callbacks(execute=True):
        first.post("restore/email/start")
    code = _code()
    for left in (4, 3, 2, 1):
        response = first.post("restore/email/confirm", {"code": _wrong(code)})
        assert response.status_code == 403 and f"{left} tr" in response.json()["message"]
    # A new challenge is no fresh start: one more wrong code locks email recovery.
    _, second = _opened(victim)
    with django_capture_on_commit_callbacks(execute=True):
        assert second.post("restore/email/start").status_code == 200
    right = _code()
    response = second.post("restore/email/confirm", {"code": _wrong(right)})
    assert response.status_code == 423 and response.json()["code"] == "locked"
    # The API now refuses a new reset-pin up front, saying until when.
    refused = _reset_pin(victim)
    assert refused.status_code == 409 and set(refused.json()["errors"]) == {"lockedExpiryDate"}
    # A challenge that is open anyway (made before the lock) still gets nothing.
    third = Flow(challenge_make(customer=victim, type=Challenge.Type.RESET_PIN))
    third.open()
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = third.post("restore/email/start")
    assert response.status_code == 423 and len(mail.outbox) == sent_before
    response = third.post("restore/email/confirm", {"code": right})
    assert response.status_code == 423 and "recoveryKey" not in response.content.decode()
    assert Challenge.objects.get(pk=third.challenge.pk).step == "recovery_open"


def test_a_right_code_clears_the_customers_counter(victim, django_capture_on_commit_callbacks):
    _, flow = _opened(victim)
    with django_capture_on_commit_callbacks(execute=True):
        flow.post("restore/email/start")
    code = _code()
    flow.post("restore/email/confirm", {"code": _wrong(code)})
    assert Customer.objects.get(pk=victim.pk).email_failed_attempts == 1
    assert flow.post("restore/email/confirm", {"code": code}).status_code == 200
    assert Customer.objects.get(pk=victim.pk).email_failed_attempts == 0


def test_codes_mailed_per_customer_per_hour_are_capped(victim, settings, django_capture_on_commit_callbacks):
    settings.ONBOARDING = {**settings.ONBOARDING, "EMAIL_CODES_PER_CUSTOMER_HOUR": 7}
    sent = 0
    for _ in range(2):
        _, flow = _opened(victim)
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                response = flow.post("restore/email/start")
            if response.status_code == 200:
                sent += 1
    assert sent == 7 and len(mail.outbox) == 7
    assert EmailCode.objects.filter(challenge__customer=victim).count() == 7
    assert response.status_code == 429
    assert "last hour" in response.json()["message"] and int(response["Retry-After"]) > 3000


def test_reset_pin_creation_is_limited_per_customer_per_hour_and_a_new_one_supersedes(victim):
    created = [_reset_pin(victim) for _ in range(5)]
    assert [r.status_code for r in created] == [201] * 5
    assert Challenge.objects.filter(customer=victim, status__in=Challenge.OPEN_STATUSES).count() == 1
    refused = _reset_pin(victim)
    assert refused.status_code == 429
    assert refused.json()["success"] is False and "last hour" in refused.json()["message"]
    assert 3000 < int(refused["Retry-After"]) <= 3601
    assert Challenge.objects.filter(customer=victim).count() == 5
    # An hour later the customer may start again.
    Challenge.objects.filter(customer=victim).update(
        created_at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    assert _reset_pin(victim).status_code == 201
