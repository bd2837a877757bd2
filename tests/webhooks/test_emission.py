"""Each state change emits its event, with the API's object as `data`, through the real gateway steps."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from core.crypto import b64url
from customers.models import Challenge
from customers.serializers import challenge_data, customer_data
from customers.services import challenges_expire_due, customer_create, customer_initialize, customer_reset_pin
from tests.gateway.conftest import Flow
from tests.gateway.factories import link_path, organization_make
from tests.gateway.test_email_recovery_limits import _code, _opened, _wrong, victim  # noqa: F401
from webhooks.models import Event
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db
RETURN = "https://wallet.example.com/done"


@pytest.fixture
def org(receiver, secret_registry):
    organization = organization_make(origin="https://wallet.example.com")
    secret_registry.add(endpoint_create(organization=organization, url=receiver.url)[1])
    return organization


def names() -> list[str]:
    return list(Event.objects.order_by("created_at").values_list("name", flat=True))


def last(name: str) -> dict:
    return Event.objects.filter(name=name).order_by("-created_at").first().data


def onboarded(org):
    """A customer through INITIALIZE (PIN and security questions), verified."""
    customer = customer_create(organization=org, ref_id="user-1", name="Ana")
    flow = Flow(customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN))
    flow.open()
    flow.set_pin()
    assert flow.set_questions().status_code == 200
    assert flow.post("complete").status_code == 200
    return flow


def test_initialize_flow_emits_created_pin_setup_and_verified(org):
    flow = onboarded(org)
    assert names() == ["customer.created", "customer.pin_setup", "challenge.verified"]
    customer = flow.customer
    assert last("customer.created")["refId"] == "user-1" and last("customer.created")["hasPin"] is False
    assert last("customer.pin_setup")["hasPin"] is True and last("customer.pin_setup")["id"] == str(
        customer.pk
    )
    flow.challenge.refresh_from_db()
    assert last("challenge.verified") == challenge_data(flow.challenge)
    assert last("challenge.verified")["status"] == "verified"


def test_a_superseded_challenge_emits_challenge_failed(org):
    customer = customer_create(organization=org, ref_id="user-1")
    first = customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN)
    customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN)
    failed = last("challenge.failed")
    assert failed["challengeId"] == str(first.pk) and failed["result"] == {"reason": "superseded"}


def test_five_wrong_pins_emit_locked_out_and_challenge_failed(org):
    customer = customer_create(organization=org, ref_id="user-1")
    first = Flow(customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN))
    first.open()
    first.set_pin()  # and left before recovery: the next challenge resumes at the PIN
    resumed = Flow(customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN))
    resumed.open()
    Event.objects.all().delete()
    for _ in range(5):
        resumed.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    assert names() == ["challenge.failed", "customer.locked_out"]
    assert last("customer.locked_out")["pinStatus"] == "LOCKED"
    assert last("challenge.failed")["result"] == {"reason": "PIN_LOCKED"}


def test_reset_flow_emits_recovery_initiated_pin_updated_verified_and_recovery_completed(org):
    flow = onboarded(org)
    Event.objects.all().delete()
    reset = Flow(customer_reset_pin(organization=org, customer_id=flow.customer.pk, redirect_url=RETURN))
    assert names() == ["customer.recovery_initiated"]
    reset.open()
    assert reset.post("restore/questions", {"authKey": b64url(flow.auth_key)}).status_code == 200
    reset.auth_key = secrets.token_bytes(32)
    reset.set_pin()
    assert reset.post("complete").status_code == 200
    assert names() == [
        "customer.recovery_initiated",
        "customer.pin_updated",
        "challenge.verified",
        "customer.recovery_completed",
    ]
    assert last("customer.recovery_completed") == customer_data(reset.customer)


def test_wrong_answers_lock_recovery_and_emit_locked_out(org):
    flow = onboarded(org)
    reset = Flow(customer_reset_pin(organization=org, customer_id=flow.customer.pk, redirect_url=RETURN))
    reset.open()
    Event.objects.all().delete()
    for _ in range(5):
        reset.post("restore/questions", {"authKey": b64url(secrets.token_bytes(32))})
    assert names() == ["challenge.failed", "customer.locked_out"]
    assert last("challenge.failed")["result"] == {"reason": "RECOVERY_LOCKED"}


def test_expiry_noticed_on_read_emits_once_and_the_sweep_adds_nothing(org):
    customer = customer_create(organization=org, ref_id="user-1")
    challenge = customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN)
    Challenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    flow = Flow(challenge)
    flow.client.get(link_path(challenge))  # the gateway notices the expiry
    assert names().count("challenge.expired") == 1
    assert challenges_expire_due() == 0
    assert names().count("challenge.expired") == 1
    assert last("challenge.expired")["status"] == "expired"


def test_wrong_email_codes_lock_recovery_and_emit_locked_out(
    victim,  # noqa: F811 - the fixture imported above
    receiver,
    secret_registry,
    django_capture_on_commit_callbacks,
):
    secret_registry.add(endpoint_create(organization=victim.organization, url=receiver.url)[1])
    _, flow = _opened(victim)
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.post("restore/email/start").status_code == 200
    code = _code()
    Event.objects.all().delete()
    for _ in range(5):
        flow.post("restore/email/confirm", {"code": _wrong(code)})
    assert names() == ["challenge.failed", "customer.locked_out"]
    assert last("challenge.failed")["result"] == {"reason": "RECOVERY_LOCKED"}
    assert last("customer.locked_out")["id"] == str(victim.pk)


def test_cancel_on_the_page_emits_challenge_failed_with_reason_cancelled_and_no_secret(org):
    customer = customer_create(organization=org, ref_id="user-1")
    flow = Flow(customer_initialize(organization=org, customer_id=customer.pk, redirect_url=RETURN))
    flow.open()
    flow.set_pin()
    Event.objects.all().delete()
    response = flow.client.post(f"/gateway/s/{flow.challenge.id}/cancel", {"csrfmiddlewaretoken": flow.csrf})
    assert response.status_code == 303
    assert names() == ["challenge.failed"]
    flow.challenge.refresh_from_db()
    body = last("challenge.failed")
    assert body == challenge_data(flow.challenge)
    assert body["status"] == "failed" and body["result"] == {"reason": "cancelled"}
    # What ties the challenge to the browser (its session, its binding, its CSRF token) and the
    # copy's material stay out of the event.
    text = json.dumps(body)
    for secret in (
        flow.client.cookies["sessionid"].value,
        flow.challenge.session_binding,
        flow.csrf,
        b64url(flow.auth_key),
        b64url(flow.wrapped),
    ):
        assert secret not in text
    # A second cancel is refused and emits nothing more.
    flow.client.post(f"/gateway/s/{flow.challenge.id}/cancel", {"csrfmiddlewaretoken": flow.csrf})
    assert names() == ["challenge.failed"]
