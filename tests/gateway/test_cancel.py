"""The cancel link of every step: the challenge fails with reason cancelled, the user goes back with
status=cancelled; refused once the challenge has ended, from another browser, without the CSRF token."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from core.models import AuditEvent
from customers.models import Challenge
from gateway.flows import FLOWS

from .conftest import Flow
from .factories import challenge_make, customer_make
from .seed import seed_pin, seed_questions

pytestmark = pytest.mark.django_db


def _cancel(flow: Flow, *, csrf: bool = True):
    data = {"csrfmiddlewaretoken": flow.csrf} if csrf else {}
    return flow.client.post(f"/gateway/s/{flow.challenge.id}/cancel", data)


def _state(challenge: Challenge) -> tuple:
    challenge.refresh_from_db()
    return (challenge.status, challenge.result, challenge.completed_at, challenge.step)


def _way_back(response) -> dict[str, list[str]]:
    url = re.search(r'<a class="button"[^>]* href="([^"]*)"', response.content.decode()).group(1)
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)


def test_cancel_fails_the_challenge_with_reason_cancelled_and_returns_status_cancelled(flow):
    response = _cancel(flow)
    assert response.status_code == 303 and response["Location"] == f"/gateway/s/{flow.challenge.id}/"
    challenge = Challenge.objects.get(pk=flow.challenge.pk)
    assert challenge.status == "failed" and challenge.result == {"reason": "cancelled"}
    assert challenge.completed_at is not None
    audit = AuditEvent.objects.get(action="gateway.challenge_cancelled", target_id=str(challenge.id))
    assert audit.data["step"] == "pin_choose"
    # The closing screen names the app and goes back with status=cancelled, the app's query kept.
    closing = flow.client.get(response["Location"])
    html = closing.content.decode()
    assert "Cancelled" in html and f"Returning you to {challenge.organization.name}" in html
    assert 'data-auto-return="true"' in html
    back = _way_back(closing)
    assert (
        back["status"] == ["cancelled"]
        and back["challengeId"] == [str(challenge.id)]
        and back["from"] == ["app"]
    )
    # Anyone else on the page is refused, with the same truthful status.
    assert _way_back(Client().get(f"/gateway/s/{challenge.id}/"))["status"] == ["cancelled"]


def test_cancel_midway_keeps_what_was_done_and_stops_the_steps(flow):
    flow.set_pin()
    assert _cancel(flow).status_code == 303
    customer = flow.customer
    assert customer.has_pin and not customer.has_recovery  # the PIN stays; nothing is undone
    refused = flow.post("recovery/questions/start")
    assert refused.status_code == 410 and refused.json()["code"] == "challenge_closed"
    assert not flow.customer.has_recovery


def test_cancel_is_refused_once_the_challenge_has_ended(flow):
    assert _cancel(flow).status_code == 303
    before = _state(flow.challenge)
    again = _cancel(flow)
    assert again.status_code == 409 and _way_back(again)["status"] == ["cancelled"]
    assert _state(flow.challenge) == before
    assert AuditEvent.objects.filter(action="gateway.challenge_cancelled").count() == 1

    verified = Flow(challenge_make())
    verified.open()
    verified.set_pin()
    assert verified.set_questions().status_code == 200
    assert verified.post("complete").status_code == 200
    before = _state(verified.challenge)
    response = _cancel(verified)
    assert response.status_code == 409 and _way_back(response)["status"] == ["verified"]
    assert _state(verified.challenge) == before


def test_cancel_from_another_browser_or_without_the_token_or_by_get_changes_nothing(flow):
    before = _state(flow.challenge)
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/gateway/c/00000000-0000-4000-8000-000000000000/x")  # a CSRF cookie of its own
    forged = stranger.post(
        f"/gateway/s/{flow.challenge.id}/cancel", {"csrfmiddlewaretoken": stranger.cookies["csrftoken"].value}
    )
    assert forged.status_code == 403
    assert _cancel(flow, csrf=False).status_code == 403
    assert flow.client.get(f"/gateway/s/{flow.challenge.id}/cancel").status_code == 405
    assert _state(flow.challenge) == before
    assert Client().post(f"/gateway/s/{secrets.token_hex(4)}/cancel").status_code == 404


def _customer_with_pin_and_questions():
    customer = customer_make()
    shard = secrets.token_bytes(32)
    seed_pin(customer, "480317", shard)
    seed_questions(customer, ["first_pet", "first_school", "first_job"], ["aaa", "bbb", "ccc"], shard)
    type(customer).objects.filter(pk=customer.pk).update(
        has_recovery=True, recovery_methods=["SECURITY_QUESTIONS"]
    )
    return customer


@pytest.mark.parametrize(
    "type_", [Challenge.Type.INITIALIZE, Challenge.Type.RESET_PIN, Challenge.Type.CHANGE_PIN]
)
def test_every_flow_page_has_the_cancel_form_and_the_expiry(type_):
    customer = customer_make() if type_ == Challenge.Type.INITIALIZE else _customer_with_pin_and_questions()
    flow = Flow(challenge_make(customer=customer, type=type_))
    html = flow.open().content.decode()
    assert f'action="/gateway/s/{flow.challenge.id}/cancel"' in html and "csrfmiddlewaretoken" in html
    assert 'id="expiry"' in html and "This link expires at" in html and 'aria-live="assertive"' in html
    assert _cancel(flow).status_code == 303
    assert Challenge.objects.get(pk=flow.challenge.pk).result == {"reason": "cancelled"}


def test_every_flow_template_carries_the_cancel_link():
    from django.template.loader import get_template

    for flow in FLOWS.values():
        source = get_template(flow.template).template.source
        assert '{% include "gateway/_cancel.html" %}' in source, flow.template
        assert '{% include "gateway/_session_extras.html" %}' in source, flow.template
