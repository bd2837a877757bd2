"""Issue 16: starting over with resetPin, the lock details on the customer, the 409s that say a
lock is in the way, `order` in any case, and a challenge's `id`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from customers.models import Challenge, Customer
from gateway.flows import current_step

from .conftest import ORIGIN, counts

pytestmark = pytest.mark.django_db

RETURN = f"{ORIGIN}/done"
UNLOCKED = {"failedAttempts": 0, "lockedDate": None, "lockedExpiryDate": None}


def post(api, customer, path, **body):
    return api.post(f"/v2/customers/{customer.pk}/{path}", {"redirectUrl": RETURN, **body})


def z(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_reset_pin_on_initialize_starts_at_choosing_a_pin_and_supersedes(api, customer):
    Customer.objects.filter(pk=customer.pk).update(has_pin=True)
    plain = post(api, customer, "initialize").json()["data"]
    response = post(api, customer, "initialize", resetPin=True)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    challenge = Challenge.objects.get(pk=data["challengeId"])
    assert challenge.reset_pin is True
    assert current_step(challenge=challenge) == "pin_choose"
    # Without resetPin the same customer is asked for the PIN it set.
    assert current_step(challenge=Challenge.objects.get(pk=plain["challengeId"])) == "pin_enter"
    old = api.get(f"/v2/customers/{customer.pk}/challenges/{plain['challengeId']}").json()["data"]
    assert old["status"] == "failed" and old["result"] == {"reason": "superseded"}
    audit = AuditEvent.objects.get(action="challenge.create.initialize", target_id=str(challenge.pk))
    assert audit.data["resetPin"] is True and audit.data["superseded"] == 1


def test_reset_pin_once_recovery_exists_is_409_pointing_at_reset_pin(api, customer):
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True, has_recovery=True, recovery_methods=["EMAIL"]
    )
    before = counts()
    response = post(api, customer, "initialize", resetPin=True)
    assert response.status_code == 409
    assert "reset-pin" in response.json()["message"]
    assert counts() == before


def test_reset_pin_without_a_pin_is_ignored(api, customer):
    response = post(api, customer, "initialize", resetPin=True)
    assert response.status_code == 201
    assert Challenge.objects.get(pk=response.json()["data"]["challengeId"]).reset_pin is False


@pytest.mark.parametrize("value", ["true", 1, None, "yes", [True]])
def test_reset_pin_must_be_a_json_boolean(api, customer, value):
    Customer.objects.filter(pk=customer.pk).update(has_pin=True)
    before = counts()
    response = post(api, customer, "initialize", resetPin=value)
    assert response.status_code == 400
    assert "resetPin" in response.json()["errors"]
    assert counts() == before


def test_initialize_while_the_pin_is_locked_is_409_with_the_expiry(api, customer):
    until = timezone.now() + timedelta(minutes=20)
    Customer.objects.filter(pk=customer.pk).update(has_pin=True, pin_locked_until=until)
    before = counts()
    response = post(api, customer, "initialize")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"] == {"lockedExpiryDate": [z(until)]}
    assert z(until) in body["message"]
    assert counts() == before
    # Starting over needs no PIN: resetPin is the way out of a forgotten, locked PIN.
    assert post(api, customer, "initialize", resetPin=True).status_code == 201


def test_reset_pin_is_409_only_when_every_recovery_method_is_locked(api, customer):
    now = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True,
        has_recovery=True,
        recovery_methods=["SECURITY_QUESTIONS"],
        questions_locked_at=now,
        questions_locked_until=now + timedelta(minutes=30),
    )
    before = counts()
    response = post(api, customer, "reset-pin")
    assert response.status_code == 409
    assert response.json()["errors"] == {"lockedExpiryDate": [z(now + timedelta(minutes=30))]}
    assert counts() == before
    # A lock that has run out is no lock.
    Customer.objects.filter(pk=customer.pk).update(questions_locked_until=now - timedelta(seconds=1))
    assert post(api, customer, "reset-pin").status_code == 201


def test_reset_pin_with_email_still_open_is_allowed(api, customer):
    now = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True,
        has_recovery=True,
        recovery_methods=["SECURITY_QUESTIONS", "EMAIL"],
        questions_locked_until=now + timedelta(minutes=30),
    )
    assert post(api, customer, "reset-pin").status_code == 201
    Customer.objects.filter(pk=customer.pk).update(email_locked_until=now + timedelta(minutes=10))
    response = post(api, customer, "reset-pin")
    assert response.status_code == 409
    # The earliest time one method opens again.
    assert response.json()["errors"] == {"lockedExpiryDate": [z(now + timedelta(minutes=10))]}


def test_customer_shows_every_lock_as_circle_does(api, customer):
    body = api.get(f"/v2/customers/{customer.pk}").json()["data"]
    assert body["pinDetails"] == body["securityQuestionDetails"] == body["emailRecoveryDetails"] == UNLOCKED
    now = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True,
        pin_locked_at=now,
        pin_locked_until=now + timedelta(minutes=30),
        questions_failed_attempts=3,
        email_locked_at=now - timedelta(hours=2),
        email_locked_until=now - timedelta(hours=1),  # over: shown as unlocked
        email_failed_attempts=1,
    )
    body = api.get(f"/v2/customers/{customer.pk}").json()["data"]
    assert body["pinStatus"] == "LOCKED"
    assert body["pinDetails"] == {
        "failedAttempts": 0,
        "lockedDate": z(now),
        "lockedExpiryDate": z(now + timedelta(minutes=30)),
    }
    assert body["securityQuestionDetails"] == {**UNLOCKED, "failedAttempts": 3}
    assert body["emailRecoveryDetails"] == {**UNLOCKED, "failedAttempts": 1}
    listed = api.get("/v2/customers").json()["data"][0]
    assert listed["pinDetails"] == body["pinDetails"]


@pytest.mark.parametrize("order", ["asc", "ASC", "Asc", "desc", "DESC", "dEsC"])
def test_order_is_accepted_in_any_case(api, customer, order):
    ids = [post(api, customer, "initialize").json()["data"]["id"] for _ in range(2)]
    expected = ids if order.lower() == "asc" else list(reversed(ids))
    listed = api.get(f"/v2/customers/{customer.pk}/challenges", {"order": order})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["data"]] == expected
    assert api.get("/v2/customers", {"order": order}).status_code == 200


@pytest.mark.parametrize("order", ["ascending", "up", "asc ", "1", "ASCDESC"])
def test_other_orders_are_400(api, customer, order):
    for url in ("/v2/customers", f"/v2/customers/{customer.pk}/challenges", "/v2/wallets", "/v2/webhooks"):
        response = api.get(url, {"order": order})
        assert response.status_code == 400, url
        assert "order" in response.json()["errors"]


def test_challenge_id_equals_challenge_id_everywhere(api, customer):
    created = post(api, customer, "initialize").json()["data"]
    assert created["id"] == created["challengeId"]
    read = api.get(f"/v2/customers/{customer.pk}/challenges/{created['id']}").json()["data"]
    listed = api.get(f"/v2/customers/{customer.pk}/challenges").json()["data"][0]
    assert read["id"] == listed["id"] == read["challengeId"] == created["id"]
