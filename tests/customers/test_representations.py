"""The hand-built customer and challenge bodies stay identical to their documented serializers."""

import datetime as dt

from django.utils import timezone

from customers.models import Customer
from customers.serializers import ChallengeSerializer, CustomerSerializer, challenge_data, customer_data
from customers.services import customer_create


def test_customer_body_matches_the_serializer_in_every_state(organization):
    fresh = customer_create(organization=organization, ref_id="r-1", name="Ana")
    locked = customer_create(organization=organization, ref_id="r-2", name="")
    Customer.objects.filter(pk=locked.pk).update(
        has_pin=True,
        has_recovery=True,
        recovery_methods=["SECURITY_QUESTIONS", "EMAIL"],
        pin_locked_at=timezone.now() - dt.timedelta(minutes=25),
        pin_locked_until=timezone.now() + dt.timedelta(minutes=5),
        questions_failed_attempts=2,
        email_locked_at=timezone.now() - dt.timedelta(minutes=1),
        email_locked_until=timezone.now() + dt.timedelta(minutes=29),
    )
    enabled = customer_create(organization=organization, ref_id="r-3", name="Ñoño")
    Customer.objects.filter(pk=enabled.pk).update(has_pin=True)
    for customer in Customer.objects.filter(pk__in=[fresh.pk, locked.pk, enabled.pk]):
        assert customer_data(customer) == dict(CustomerSerializer(customer).data)
    assert {customer_data(c)["pinStatus"] for c in Customer.objects.all()} == {"UNSET", "LOCKED", "ENABLED"}
    # Every lock-details shape occurs: locked (dates set), counting, clear.
    body = customer_data(Customer.objects.get(pk=locked.pk))
    assert body["pinDetails"]["lockedExpiryDate"] and body["emailRecoveryDetails"]["lockedDate"]
    assert body["securityQuestionDetails"] == {
        "failedAttempts": 2,
        "lockedDate": None,
        "lockedExpiryDate": None,
    }


def test_challenge_body_matches_the_serializer(api, organization):
    customer = customer_create(organization=organization, ref_id="r-4", name="Ch")
    response = api.post(
        f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": "https://app.example.com/back?x=1"}
    )
    assert response.status_code == 201, response.content
    challenge = customer.challenges.get()
    assert challenge_data(challenge) == dict(ChallengeSerializer(challenge).data)
    assert response.json()["data"] == challenge_data(challenge)
    challenge.completed_at = timezone.now()
    challenge.result = {"status": "verified"}
    assert challenge_data(challenge) == dict(ChallengeSerializer(challenge).data)
