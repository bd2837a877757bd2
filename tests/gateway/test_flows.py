"""The flows table: every type listed, rows well-formed, progress on the challenge, refusals."""

import dataclasses
import inspect
import json
import secrets
from pathlib import Path

import pytest
from django.db.models.signals import pre_save
from django.test import Client

from core.crypto import b64url
from core.errors import DomainError
from customers.models import Challenge, Customer
from customers.services import challenge_open, challenge_transition
from gateway import flows
from gateway.services.sessions import SESSION_KEY

from .conftest import Flow
from .factories import challenge_make, customer_make, organization_make

pytestmark = pytest.mark.django_db


def test_every_challenge_type_has_one_row():
    assert set(flows.FLOWS) == set(Challenge.Type.values)
    # Every type is built: PIN change, recovery change, signing and export joined the wallets.
    assert flows.built_types() == list(Challenge.Type.values)
    assert [t for t, f in flows.FLOWS.items() if f.declinable] == [
        Challenge.Type.SIGN_MESSAGE,
        Challenge.Type.SIGN_TYPED_DATA,
        Challenge.Type.SIGN_TRANSACTION,
        Challenge.Type.EXPORT_PRIVATE_KEYS,
    ]


@pytest.mark.parametrize("flow", [f for f in flows.FLOWS.values() if f.built], ids=lambda f: f.type)
def test_built_rows_are_well_formed(flow):
    steps = flow.steps()
    assert all(name in flows.STEPS for name in steps)
    # Every step but the last has exactly one successor, and every path ends at READY.
    for name in steps:
        if name != flows.READY:
            assert len(flow.next[name]) == 1, name
            assert flows.READY in flow.ahead_of(name), name
    assert flows.READY not in flow.next
    # An action belongs to one step of a flow, so the table's answer is never ambiguous.
    actions = [action for name in steps for action in flows.STEPS[name].actions]
    assert len(actions) == len(set(actions))


def test_every_declared_type_is_built_and_offered():
    assert flows.built_types() == list(Challenge.Type.values)


@pytest.mark.parametrize("type_", Challenge.Type.values)
def test_a_type_whose_row_is_not_built_is_refused_and_creates_nothing(type_, monkeypatch):
    # Every row is built today; the switch stays, for the next type added to the table.
    monkeypatch.setitem(flows.FLOWS, type_, dataclasses.replace(flows.FLOWS[type_], built=False))
    customer = customer_make(has_pin=True, has_recovery=True)
    with pytest.raises(DomainError) as refused:
        challenge_open(
            organization=customer.organization,
            customer_id=customer.id,
            type=type_,
            return_url="https://wallet.example.com/done",
        )
    assert refused.value.code == "challenge_type_unavailable"
    assert Challenge.objects.count() == 0


def _session_states(flow):
    return flow.client.session[SESSION_KEY][str(flow.challenge.id)]


def test_progress_is_the_challenges_step_and_the_session_keeps_only_binding_and_pending(flow):
    challenge = Challenge.objects.get(pk=flow.challenge.pk)
    assert challenge.step == "pin_choose"
    flow.set_pin()
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "recovery_setup"
    assert set(_session_states(flow)) <= {"binding", "pending"}
    assert flow.set_questions().status_code == 200
    assert Challenge.objects.get(pk=flow.challenge.pk).step == flows.READY
    assert set(_session_states(flow)) <= {"binding", "pending"}
    assert flow.post("complete").status_code == 200
    assert Challenge.objects.get(pk=flow.challenge.pk).status == "verified"


def test_the_entry_step_follows_the_customer():
    customer = customer_make(has_pin=True)
    flow = Flow(challenge_make(customer=customer))
    page = flow.open()
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "pin_enter"
    given = json.loads(page.context["flow_json"])
    assert given["step"] == "pin_enter"
    assert [s["name"] for s in given["steps"]] == ["pin_choose", "recovery_setup", "pin_enter", "ready"]
    assert {s["name"]: s["next"] for s in given["steps"]}["pin_enter"] == ["recovery_setup"]


def test_a_step_of_another_flow_is_refused_with_the_rows_label():
    customer = customer_make(has_pin=True, has_recovery=True)
    flow = Flow(challenge_make(customer=customer, type=Challenge.Type.RESET_PIN))
    flow.open()
    response = flow.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "message": "This step is not part of the PIN reset.",
        "code": "step_out_of_order",
    }
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "recovery_open"
    assert Customer.objects.get(pk=customer.pk).pin_failed_attempts == 0


def test_a_passed_step_is_closed(flow):
    flow.set_pin()
    response = flow.post(
        "pin/setup", {"authKey": b64url(flow.auth_key), "wrappedShard": b64url(flow.wrapped)}
    )
    assert response.status_code == 409 and response.json()["code"] == "pin_already_set"
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "recovery_setup"


def test_transition_of_an_ended_challenge_is_refused():
    challenge = challenge_make()
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.VERIFIED)
    challenge.refresh_from_db()
    with pytest.raises(DomainError):
        challenge_transition(challenge=challenge, step="recovery_setup")
    assert Challenge.objects.get(pk=challenge.pk).step == ""


def test_the_gateway_saves_no_customer_or_challenge_itself(django_capture_on_commit_callbacks):
    """Every Customer/Challenge save during a whole onboarding and reset goes through customers.services."""
    root = Path(__file__).resolve().parents[2]
    callers: list[str] = []

    def record(sender, instance, **kwargs):
        for frame in inspect.stack()[1:]:
            path = Path(frame.filename).resolve()
            if root in path.parents and ".venv" not in path.parts:
                callers.append(str(path.relative_to(root)))
                return

    pre_save.connect(record, sender=Customer, dispatch_uid="owner-check-customer")
    pre_save.connect(record, sender=Challenge, dispatch_uid="owner-check-challenge")
    try:
        customer = customer_make(organization=organization_make())
        flow = Flow(challenge_make(customer=customer))
        flow.open()
        flow.set_pin()
        flow.set_questions()
        assert flow.post("complete").status_code == 200
        reset = Flow(challenge_make(customer=customer, type=Challenge.Type.RESET_PIN))
        reset.open()
        reset.post("restore/questions", {"authKey": b64url(secrets.token_bytes(32))})
        assert reset.post("restore/questions", {"authKey": b64url(flow.auth_key)}).status_code == 200
        reset.set_pin()
        assert reset.post("complete").status_code == 200
        resumed = Flow(
            challenge_make(customer=customer_make(has_pin=True)), client=Client(enforce_csrf_checks=True)
        )
        resumed.open()
        for _ in range(5):
            resumed.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    finally:
        pre_save.disconnect(sender=Customer, dispatch_uid="owner-check-customer")
        pre_save.disconnect(sender=Challenge, dispatch_uid="owner-check-challenge")
    gateway_saves = [c for c in callers if c.startswith("gateway/")]
    assert callers and not gateway_saves, gateway_saves
    assert any(c.startswith("customers/services/") for c in callers)


def test_a_reloaded_page_starts_again_at_the_unlock_its_lost_shard_needs(flow):
    flow.set_pin()
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "recovery_setup"
    page = flow.client.get(f"/gateway/s/{flow.challenge.id}/")
    assert json.loads(page.context["flow_json"])["step"] == "pin_enter"
    response = flow.post("recovery/questions/start")
    assert response.status_code == 409 and response.json()["code"] == "pin_first"
    assert flow.post("pin/verify", {"authKey": b64url(flow.auth_key)}).status_code == 200
    assert flow.set_questions().status_code == 200
    assert flow.post("complete").status_code == 200
