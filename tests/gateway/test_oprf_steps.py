"""Scheme v2 at the JSON steps: counted evaluations, bad input, migration of v1 copies, key rotation."""

from __future__ import annotations

import secrets

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from core.crypto import b64url, b64url_decode, decrypt
from core.models import AuditEvent
from customers.models import Challenge, Customer
from gateway.models import OprfEvaluation, PinCredential, QuestionRecovery

from . import scheme_mirror as sm
from .conftest import Flow, blinded_element
from .factories import challenge_make, customer_make, link_spend
from .seed import seed_pin, seed_questions

pytestmark = pytest.mark.django_db

PIN = "480317"
ANSWERS = ["fluffy", "escuela rizal", "baker"]
IDS = ["first_pet", "first_school", "first_job"]
KEY_1 = "1:" + b64url(b"k" * 32) + "="
KEY_1_2 = KEY_1 + ",2:" + b64url(b"K" * 32) + "="


def resumed(customer, *, type=Challenge.Type.INITIALIZE) -> Flow:
    flow = Flow(challenge_make(customer=customer, type=type))
    flow.open()
    return flow


def customer_with_pin(*, scheme: int = 2, shard: bytes | None = None):
    customer = customer_make()
    seed_pin(customer, PIN, shard or secrets.token_bytes(32), scheme=scheme)
    return customer


def state(customer_id):
    credential = PinCredential.objects.get(customer_id=customer_id)
    customer = credential.customer
    return {
        "failed": customer.pin_failed_attempts,
        "locked": customer.pin_locked_until,
        "copy": (
            credential.scheme_version,
            credential.oprf_key_version,
            bytes(credential.salt),
            bytes(credential.auth_hmac),
            bytes(credential.secret_enc),
            bytes(credential.wrapped_shard),
        ),
    }


def v2_proof(flow: Flow, secret_text: str, *, step="pin/evaluate", salt: bytes) -> dict:
    """What the page sends after a (counted) evaluation: authKey from the OPRF output."""
    blind, blinded = sm.oprf_blind(secret_text)
    answer = flow.post(step, {"blindedElement": b64url(blinded)}, raw=True)
    assert answer.status_code == 200, answer.json()
    data = answer.json()["data"]
    output = sm.oprf_output(secret_text, blind, b64url_decode(data["evaluatedElement"]))
    auth_key, _ = sm.derive_keys(output, salt)
    return {"authKey": b64url(auth_key), "evaluationId": data["evaluationId"]}


def test_an_evaluation_counts_until_a_correct_proof_clears_it():
    shard = secrets.token_bytes(32)
    customer = customer_with_pin(shard=shard)
    flow = resumed(customer)
    salt = bytes(PinCredential.objects.get(customer=customer).salt)
    proof = v2_proof(flow, PIN, salt=salt)
    assert flow.customer.pin_failed_attempts == 1  # counted before any proof
    response = flow.post("pin/verify", proof, raw=True)
    assert response.status_code == 200
    data = response.json()["data"]
    assert "upgrade" not in data
    assert flow.customer.pin_failed_attempts == 0
    credential = PinCredential.objects.get(customer=customer)
    assert (
        sm.open_copy(
            record=credential,
            customer_id=customer.id,
            kind="pin",
            secret_text=PIN,
            secret=b64url_decode(data["secret"]),
        )
        == shard
    )


def test_evaluations_left_without_proof_are_bounded_by_the_lockout():
    customer = customer_with_pin()
    flow = resumed(customer)
    for count in range(1, 6):
        assert flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True).status_code == 200
        assert flow.customer.pin_failed_attempts == count
    response = flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True)
    assert response.status_code == 423 and "evaluatedElement" not in response.content.decode()
    assert flow.customer.pin_status == "LOCKED"
    assert OprfEvaluation.objects.filter(challenge=flow.challenge).count() == 5
    assert AuditEvent.objects.filter(action="gateway.pin_locked", target_id=str(customer.id)).count() == 1
    assert Challenge.objects.get(pk=flow.challenge.pk).status == "failed"
    again = Flow(challenge_make(customer=customer))  # the link spent, its page not loaded
    assert link_spend(again.client, again.challenge).status_code == 303
    assert again.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True).status_code == 423


def test_five_wrong_pins_still_lock_exactly_at_the_fifth():
    customer = customer_with_pin()
    flow = resumed(customer)
    salt = bytes(PinCredential.objects.get(customer=customer).salt)
    for left in (4, 3, 2, 1):
        response = flow.post("pin/verify", v2_proof(flow, "999999", salt=salt), raw=True)
        assert response.status_code == 403 and f"{left} tr" in response.json()["message"]
    response = flow.post("pin/verify", v2_proof(flow, "999999", salt=salt), raw=True)
    assert response.status_code == 423
    assert flow.customer.pin_status == "LOCKED"


IDENTITY = b64url(bytes(32))
NON_CANONICAL = b64url(b"\xff" * 32)


@pytest.mark.parametrize(
    "value",
    [IDENTITY, NON_CANONICAL, b64url(bytes(31)), "!!!!", "", None, "A" * 5000],
    ids=["identity", "non-canonical", "short", "not-base64", "empty", "missing", "long"],
)
def test_an_invalid_blinded_element_is_a_counted_400_that_changes_nothing_else(value):
    customer = customer_with_pin()
    flow = resumed(customer)
    before = state(customer.id)
    body = {} if value is None else {"blindedElement": value}
    response = flow.post("pin/evaluate", body, raw=True)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_element" and response.json()["success"] is False
    after = state(customer.id)
    assert after["failed"] == before["failed"] + 1 and after["copy"] == before["copy"]
    assert not OprfEvaluation.objects.exists()


def test_a_replayed_evaluation_is_refused_and_counted():
    customer = customer_with_pin()
    flow = resumed(customer)
    salt = bytes(PinCredential.objects.get(customer=customer).salt)
    proof = v2_proof(flow, PIN, salt=salt)
    wrong = {**proof, "authKey": b64url(secrets.token_bytes(32))}
    assert flow.post("pin/verify", wrong, raw=True).status_code == 403
    before = state(customer.id)
    response = flow.post("pin/verify", proof, raw=True)  # the right PIN, but a used evaluation
    assert response.status_code == 409 and response.json()["code"] == "evaluation_used"
    assert "secret" not in response.json()
    after = state(customer.id)
    assert after["failed"] == before["failed"] + 1 and after["copy"] == before["copy"]


def test_an_evaluation_of_another_challenge_or_purpose_is_refused_and_counted():
    customer = customer_with_pin()
    salt = bytes(PinCredential.objects.get(customer=customer).salt)
    first = resumed(customer)
    foreign = v2_proof(first, PIN, salt=salt)
    flow = resumed(customer)  # supersedes nothing: a second open challenge of the same customer
    before = state(customer.id)
    response = flow.post("pin/verify", foreign, raw=True)
    assert response.status_code == 409 and response.json()["code"] == "evaluation_unknown"
    assert state(customer.id)["failed"] == before["failed"] + 1
    other_purpose = OprfEvaluation.objects.create(
        challenge=flow.challenge, purpose="questions", key_version=1, blinded_element=bytes(32)
    )
    response = flow.post("pin/verify", {**foreign, "evaluationId": str(other_purpose.id)}, raw=True)
    assert response.status_code == 409 and response.json()["code"] == "evaluation_unknown"
    response = flow.post("pin/verify", {**foreign, "evaluationId": "not-a-uuid"}, raw=True)
    assert response.status_code == 409
    after = state(customer.id)
    assert after["failed"] == before["failed"] + 3 and after["copy"] == before["copy"]


def test_a_v1_copy_unlocks_and_moves_to_v2_in_one_step():
    shard = secrets.token_bytes(32)
    customer = customer_with_pin(scheme=1, shard=shard)
    flow = resumed(customer)
    old = PinCredential.objects.get(customer=customer)
    assert (old.scheme_version, old.oprf_key_version) == (1, None)
    assert flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True).status_code == 409
    auth_key, pin_key = sm.derive_keys(PIN, bytes(old.salt))  # v1: from the PIN itself
    blind, blinded = sm.oprf_blind(PIN)
    response = flow.post(
        "pin/verify", {"authKey": b64url(auth_key), "blindedElement": b64url(blinded)}, raw=True
    )
    assert response.status_code == 200
    data = response.json()["data"]
    released = sm.unwrap_shard(
        sm.wrap_key(pin_key, b64url_decode(data["secret"])),
        b64url_decode(data["wrappedShard"]),
        sm.shard_aad(customer.id, "pin", 1),
    )
    assert released == shard
    upgrade = data["upgrade"]
    # The challenge waits for the move: recovery is not open yet.
    assert flow.post("recovery/questions/start").status_code == 409

    output = sm.oprf_output(PIN, blind, b64url_decode(upgrade["evaluatedElement"]))
    new_auth, new_key = sm.derive_keys(output, b64url_decode(upgrade["salt"]))
    wrapped = sm.wrap_shard(
        sm.wrap_key(new_key, b64url_decode(upgrade["secret"])), shard, sm.shard_aad(customer.id, "pin", 2)
    )
    response = flow.post("pin/upgrade", {"authKey": b64url(new_auth), "wrappedShard": b64url(wrapped)})
    assert response.status_code == 200 and response.json()["data"] == {"scheme": 2}
    new = PinCredential.objects.get(customer=customer)
    assert (new.scheme_version, new.oprf_key_version) == (2, 1)
    s = decrypt(bytes(new.secret_enc), purpose="gateway-pin-secret", aad=sm.shard_aad(customer.id, "pin", 2))
    assert sm.open_copy(record=new, customer_id=customer.id, kind="pin", secret_text=PIN, secret=s) == shard
    event = AuditEvent.objects.get(action="gateway.pin_rekeyed", target_id=str(customer.id))
    assert event.data["from"] == {"scheme": 1, "oprfKey": None} and event.data["to"] == {
        "scheme": 2,
        "oprfKey": 1,
    }
    assert flow.set_questions().status_code == 200  # the flow goes on
    # The answers copy made after the move opens in a reset, as v2 copies do.
    again = resumed(customer, type=Challenge.Type.RESET_PIN)
    assert again.post("restore/questions", {"authKey": b64url(flow.auth_key)}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"authKey": b64url(bytes(32)), "wrappedShard": b64url(bytes(59))}, {"authKey": "x"}],
    ids=["short-copy", "no-copy"],
)
def test_a_failed_move_leaves_the_v1_copy_as_it_was(body):
    customer = customer_with_pin(scheme=1)
    flow = resumed(customer)
    before = state(customer.id)
    # Without an unlock first, there is nothing to move.
    response = flow.post("pin/upgrade", {"authKey": b64url(bytes(32)), "wrappedShard": b64url(bytes(60))})
    assert response.status_code == 409
    auth_key, _ = sm.derive_keys(PIN, before["copy"][2])
    unlocked = flow.post(
        "pin/verify", {"authKey": b64url(auth_key), "blindedElement": blinded_element()}, raw=True
    )
    assert unlocked.status_code == 200 and "upgrade" in unlocked.json()["data"]
    assert flow.post("pin/upgrade", body).status_code == 400
    assert state(customer.id)["copy"] == before["copy"]
    assert not AuditEvent.objects.filter(action="gateway.pin_rekeyed").exists()


def test_a_v1_unlock_without_a_valid_blinded_element_is_a_counted_400():
    customer = customer_with_pin(scheme=1)
    flow = resumed(customer)
    before = state(customer.id)
    auth_key, _ = sm.derive_keys(PIN, before["copy"][2])
    response = flow.post("pin/verify", {"authKey": b64url(auth_key), "blindedElement": IDENTITY}, raw=True)
    assert response.status_code == 400 and response.json()["code"] == "invalid_element"
    after = state(customer.id)
    assert after["failed"] == before["failed"] + 1 and after["copy"] == before["copy"]


def test_rotating_the_oprf_key_re_keys_a_copy_on_its_next_unlock(settings):
    settings.OPRF_MASTER_KEY = KEY_1
    shard = secrets.token_bytes(32)
    customer = customer_with_pin(shard=shard)
    assert PinCredential.objects.get(customer=customer).oprf_key_version == 1
    settings.OPRF_MASTER_KEY = KEY_1_2
    flow = resumed(customer)
    old = PinCredential.objects.get(customer=customer)
    blind, blinded = sm.oprf_blind(PIN)
    evaluation = flow.post("pin/evaluate", {"blindedElement": b64url(blinded)}, raw=True).json()["data"]
    output = sm.oprf_output(PIN, blind, b64url_decode(evaluation["evaluatedElement"]))
    assert output == sm.server_oprf_output(customer.id, "pin", PIN, 1)  # still the old key for this copy
    auth_key, _ = sm.derive_keys(output, bytes(old.salt))
    data = flow.post(
        "pin/verify", {"authKey": b64url(auth_key), "evaluationId": evaluation["evaluationId"]}, raw=True
    ).json()["data"]
    upgrade = data["upgrade"]
    new_output = sm.oprf_output(PIN, blind, b64url_decode(upgrade["evaluatedElement"]))
    assert new_output == sm.server_oprf_output(customer.id, "pin", PIN, 2) != output
    new_auth, new_key = sm.derive_keys(new_output, b64url_decode(upgrade["salt"]))
    wrapped = sm.wrap_shard(
        sm.wrap_key(new_key, b64url_decode(upgrade["secret"])), shard, sm.shard_aad(customer.id, "pin", 2)
    )
    assert (
        flow.post("pin/upgrade", {"authKey": b64url(new_auth), "wrappedShard": b64url(wrapped)}).status_code
        == 200
    )
    assert PinCredential.objects.get(customer=customer).oprf_key_version == 2
    # Version 1 can go now: the next unlock needs only version 2, and nothing moves.
    settings.OPRF_MASTER_KEY = "2:" + KEY_1_2.split(",2:")[1]
    again = resumed(customer)
    salt = bytes(PinCredential.objects.get(customer=customer).salt)
    response = again.post("pin/verify", v2_proof(again, PIN, salt=salt), raw=True)
    assert response.status_code == 200 and "upgrade" not in response.json()["data"]


def test_a_copy_whose_oprf_key_version_was_dropped_gets_a_clear_409(settings):
    settings.OPRF_MASTER_KEY = KEY_1
    customer = customer_with_pin()
    settings.OPRF_MASTER_KEY = "2:" + KEY_1_2.split(",2:")[1]  # version 1 dropped too early
    flow = resumed(customer)
    before = state(customer.id)
    response = flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True)
    assert response.status_code == 409 and response.json()["code"] == "oprf_key_retired"
    assert state(customer.id) == before  # nothing counted, nothing changed


def test_v1_answers_unlock_and_move_to_v2():
    shard = secrets.token_bytes(32)
    customer = customer_with_pin(shard=shard)
    seed_questions(customer, IDS, ANSWERS, shard, scheme=1)
    flow = resumed(customer, type=Challenge.Type.RESET_PIN)
    record = QuestionRecovery.objects.get(customer=customer)
    text = sm.answers_secret(ANSWERS)
    auth_key, _ = sm.derive_keys(text, bytes(record.salt))
    blind, blinded = sm.oprf_blind(text)
    data = flow.post(
        "restore/questions", {"authKey": b64url(auth_key), "blindedElement": b64url(blinded)}, raw=True
    ).json()["data"]
    upgrade = data["upgrade"]
    assert flow.post("pin/start").status_code == 409  # the move comes first
    output = sm.oprf_output(text, blind, b64url_decode(upgrade["evaluatedElement"]))
    new_auth, new_key = sm.derive_keys(output, b64url_decode(upgrade["salt"]))
    wrapped = sm.wrap_shard(
        sm.wrap_key(new_key, b64url_decode(upgrade["secret"])),
        shard,
        sm.shard_aad(customer.id, "questions", 2),
    )
    body = {"authKey": b64url(new_auth), "wrappedShard": b64url(wrapped)}
    assert flow.post("restore/questions/upgrade", body).status_code == 200
    record = QuestionRecovery.objects.get(customer=customer)
    assert (record.scheme_version, record.oprf_key_version, record.question_ids) == (2, 1, IDS)
    assert AuditEvent.objects.filter(action="gateway.recovery_rekeyed").count() == 1
    assert flow.post("pin/start").status_code == 200


def test_wrong_answers_under_v2_count_at_the_evaluation():
    customer = customer_with_pin()
    seed_questions(customer, IDS, ANSWERS, secrets.token_bytes(32))
    flow = resumed(customer, type=Challenge.Type.RESET_PIN)
    salt = bytes(QuestionRecovery.objects.get(customer=customer).salt)
    proof = v2_proof(flow, "wrong\nanswers\nhere", step="restore/questions/evaluate", salt=salt)
    assert Customer.objects.get(pk=customer.pk).questions_failed_attempts == 1
    response = flow.post("restore/questions", proof, raw=True)
    assert response.status_code == 403 and "4 tries" in response.json()["message"]
    assert Customer.objects.get(pk=customer.pk).questions_failed_attempts == 1
    proof = v2_proof(flow, sm.answers_secret(ANSWERS), step="restore/questions/evaluate", salt=salt)
    assert flow.post("restore/questions", proof, raw=True).status_code == 200
    assert Customer.objects.get(pk=customer.pk).questions_failed_attempts == 0


def test_setup_evaluations_are_capped_per_challenge(flow):
    for _ in range(10):
        assert flow.post("pin/start").status_code == 200
    response = flow.post("pin/start")
    assert response.status_code == 429
    assert not PinCredential.objects.exists()


@override_settings(OPRF_MASTER_KEY=KEY_1)
def test_the_admin_shows_each_copy_scheme_and_oprf_key():
    v1 = customer_with_pin(scheme=1)
    v2 = customer_with_pin(scheme=2)
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789!")
    client = Client()
    client.force_login(user)
    page = client.get("/admin/gateway/pincredential/").content.decode()
    assert "v1 (PBKDF2)" in page and "v2 (OPRF + PBKDF2)" in page
    only_v1 = client.get("/admin/gateway/pincredential/?scheme_version__exact=1").content.decode()
    assert str(v1.id) in only_v1 or v1.ref_id in only_v1
    assert v2.ref_id not in only_v1
