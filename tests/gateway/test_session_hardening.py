"""Gateway sessions (issue 12, item 4): no session fixation, nothing cached, the demo page only in DEBUG."""

import json
import secrets

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from core.crypto import b64url
from customers.models import Challenge

from .conftest import Flow
from .factories import challenge_make, link_path, link_spend

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_opening_a_link_with_a_planted_session_rotates_its_key_before_binding():
    # The attacker holds a real session (from a link of their own) and plants its cookie in the
    # victim's browser.
    attacker = Client(enforce_csrf_checks=True)
    link_spend(attacker, challenge_make())
    planted = attacker.cookies["sessionid"].value
    assert Session.objects.filter(session_key=planted).exists()

    victim = Flow(challenge_make())
    victim.client.cookies["sessionid"] = planted
    victim.open()
    rotated = victim.client.cookies["sessionid"].value
    assert rotated != planted
    assert not Session.objects.filter(session_key=planted).exists()
    challenge = Challenge.objects.get(pk=victim.challenge.pk)
    assert challenge.status == "in_progress" and challenge.step == "pin_choose"

    # The planted key reaches nothing of the victim's challenge: not the page, not a step.
    page = attacker.get(f"/gateway/s/{victim.challenge.id}/")
    assert page.status_code == 403
    response = attacker.post(
        f"/gateway/api/{victim.challenge.id}/pin/start",
        data=json.dumps({}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=attacker.cookies["csrftoken"].value,
    )
    assert response.status_code == 403 and response.json()["code"] == "session_refused"
    assert Challenge.objects.get(pk=victim.challenge.pk).step == "pin_choose"
    # The victim, on the rotated key, carries on.
    victim.set_pin()


def test_a_fresh_browser_gets_a_new_session_and_its_own_link_still_reopens():
    challenge = challenge_make()
    client = Client()
    assert link_spend(client, challenge).status_code == 303
    first = client.cookies["sessionid"].value
    assert client.get(link_path(challenge)).status_code == 303  # rotated again, binding kept
    assert client.cookies["sessionid"].value != first
    assert client.get(f"/gateway/s/{challenge.id}/").status_code == 200


def test_every_gateway_page_and_json_step_answers_no_store(flow):
    responses = {
        "link (used, other browser)": Client().get(link_path(flow.challenge)),
        "link (invalid token)": Client().get(f"/gateway/c/{flow.challenge.id}/not-the-token"),
        "session page": flow.client.get(f"/gateway/s/{flow.challenge.id}/"),
        "session page (refused)": Client().get(f"/gateway/s/{flow.challenge.id}/"),
        "step": flow.post("pin/start"),
        "step (refused)": flow.post("recovery/questions/start"),
        "step (bad input)": flow.post("pin/setup", {"authKey": "x"}),
        "step (no CSRF token)": flow.post("pin/start", csrf=False),
        "step (wrong method)": flow.client.get(f"/gateway/api/{flow.challenge.id}/pin/start"),
    }
    fresh = challenge_make()
    responses["link (unspent)"] = Client().get(link_path(fresh))
    responses["link (opened)"] = link_spend(Client(), fresh)
    with override_settings(DEBUG=True):
        responses["demo return"] = Client().get("/gateway/demo/return?status=verified")
    flow.set_pin()
    flow.set_questions()
    responses["complete"] = flow.post("complete")
    responses["session page (ended)"] = flow.client.get(f"/gateway/s/{flow.challenge.id}/")
    responses["step (ended)"] = flow.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    missing = {name: r.status_code for name, r in responses.items() if not _no_store(r)}
    assert not missing, missing
    assert {r.status_code for r in responses.values()} >= {200, 303, 400, 403, 404, 405, 409, 410}


def test_the_demo_return_page_exists_only_with_debug():
    with override_settings(DEBUG=True):
        shown = Client().get("/gateway/demo/return?challengeId=x&status=verified")
    assert shown.status_code == 200 and b"verified" in shown.content
    with override_settings(DEBUG=False):
        hidden = Client().get("/gateway/demo/return?challengeId=x&status=verified")
    assert hidden.status_code == 404 and b"verified" not in hidden.content
