"""The JSON steps: order, CSRF, session binding, durable failure counting, recovery and completion."""

import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.crypto import b64url, decrypt
from core.models import AuditEvent
from customers.models import Challenge
from gateway.models import EmailCode, EmailRecovery, PinCredential, QuestionRecovery

from . import scheme_mirror as sm
from .conftest import Flow
from .factories import challenge_make, link_spend

pytestmark = pytest.mark.django_db


def _snapshot(flow):
    customer = flow.customer
    challenge = Challenge.objects.get(pk=flow.challenge.pk)
    return (
        customer.has_pin,
        customer.has_recovery,
        list(customer.recovery_methods),
        customer.pin_failed_attempts,
        customer.pin_locked_until,
        challenge.status,
        challenge.completed_at,
        PinCredential.objects.filter(customer=customer).count(),
        QuestionRecovery.objects.filter(customer=customer).count(),
        EmailRecovery.objects.filter(customer=customer).count(),
    )


def test_full_flow_with_the_mirror_scheme_verifies_and_returns(flow, django_capture_on_commit_callbacks):
    pin, shard = "480317", secrets.token_bytes(32)
    blind, blinded = sm.oprf_blind(pin)
    material = flow.post("pin/start", {"blindedElement": b64url(blinded)}).json()["data"]
    output = sm.oprf_output(pin, blind, sm_b(material["evaluatedElement"]))
    assert output == sm.server_oprf_output(flow.customer.id, "pin", pin)  # F(k, PIN), whatever the blind
    auth_key, pin_key = sm.derive_keys(output, sm_b(material["salt"]))
    key = sm.wrap_key(pin_key, sm_b(material["secret"]))
    wrapped = sm.wrap_shard(key, shard, sm.shard_aad(flow.customer.id, "pin", 2))
    body = {"authKey": b64url(auth_key), "wrappedShard": b64url(wrapped)}
    assert flow.post("pin/setup", body).status_code == 200
    credential = PinCredential.objects.get(customer=flow.customer)
    assert (credential.scheme_version, credential.oprf_key_version) == (2, 1)
    stored_s = decrypt(
        bytes(credential.secret_enc),
        purpose="gateway-pin-secret",
        aad=sm.shard_aad(flow.customer.id, "pin", 2),
    )
    assert stored_s == sm_b(material["secret"])
    opened = sm.open_copy(
        record=credential, customer_id=flow.customer.id, kind="pin", secret_text=pin, secret=stored_s
    )
    assert opened == shard
    assert auth_key not in bytes(credential.auth_hmac)

    assert flow.set_questions().status_code == 200
    response = flow.post("complete")
    assert response.status_code == 200
    query = parse_qs(urlsplit(response.json()["data"]["returnUrl"]).query)
    assert query == {"from": ["app"], "challengeId": [str(flow.challenge.id)], "status": ["verified"]}
    flow.challenge.refresh_from_db()
    assert flow.challenge.status == "verified" and flow.challenge.completed_at is not None
    assert flow.challenge.result["recoveryMethods"] == ["SECURITY_QUESTIONS"]
    customer = flow.customer
    assert customer.has_pin and customer.has_recovery and customer.pin_status == "ENABLED"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"gateway.pin_set", "gateway.recovery_set", "gateway.challenge_verified"} <= actions
    # The challenge is over: the steps now answer 410.
    assert flow.post("complete").status_code == 410


def sm_b(text):
    from core.crypto import b64url_decode

    return b64url_decode(text)


def test_missing_csrf_token_is_refused(flow):
    before = _snapshot(flow)
    response = flow.post("pin/start", csrf=False)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert _snapshot(flow) == before


def test_foreign_session_is_refused(flow):
    other = Client(enforce_csrf_checks=True)
    other.get("/gateway/demo/return")  # any page: gets a CSRF cookie of its own
    before = _snapshot(flow)
    stranger = Flow(flow.challenge, client=other)
    other.cookies["csrftoken"] = "x" * 32
    response = stranger.post("pin/start")
    assert response.status_code == 403
    assert response.json()["code"] == "session_refused"
    assert _snapshot(flow) == before


def test_recovery_before_pin_is_out_of_order(flow):
    before = _snapshot(flow)
    assert flow.post("recovery/questions/start").status_code == 409
    response = flow.post("recovery/email/start", {"email": "a@example.com"})
    assert response.status_code == 409 and response.json()["code"] == "pin_first"
    assert _snapshot(flow) == before


def test_complete_before_recovery_is_out_of_order(flow):
    flow.set_pin()
    before = _snapshot(flow)
    response = flow.post("complete")
    assert response.status_code == 409 and response.json()["code"] == "recovery_first"
    assert _snapshot(flow) == before


def test_setup_without_start_is_out_of_order(flow):
    before = _snapshot(flow)
    body = {"authKey": b64url(flow.auth_key), "wrappedShard": b64url(flow.wrapped)}
    response = flow.post("pin/setup", body)
    assert response.status_code == 409
    assert _snapshot(flow) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"authKey": "short", "wrappedShard": b64url(bytes(60))},
        {"authKey": b64url(bytes(32)), "wrappedShard": b64url(bytes(59))},
        {"authKey": "!!!not base64!!!", "wrappedShard": b64url(bytes(60))},
    ],
)
def test_malformed_copy_is_rejected(flow, body):
    flow.post("pin/start")
    before = _snapshot(flow)
    response = flow.post("pin/setup", body)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert _snapshot(flow) == before


def test_second_pin_setup_is_refused(flow):
    flow.set_pin()
    before = _snapshot(flow)
    assert flow.post("pin/start").status_code == 409
    assert _snapshot(flow) == before


@pytest.mark.parametrize(
    "ids",
    [
        ["first_pet", "first_school"],
        ["first_pet", "first_pet", "first_job"],
        ["first_pet", "first_school", "not_a_question"],
        [],
    ],
)
def test_too_few_repeated_or_unknown_questions_are_rejected(flow, ids):
    flow.set_pin()
    before = _snapshot(flow)
    response = flow.set_questions(ids=ids)
    assert response.status_code == 400
    assert _snapshot(flow) == before


def _resume(customer):
    """A new INITIALIZE challenge for a customer whose PIN is already set, opened in a new browser."""
    flow = Flow(challenge_make(customer=customer))
    flow.open()
    return flow


def test_wrong_pin_proofs_count_durably_and_lock_after_five(flow):
    flow.set_pin()
    resumed = _resume(flow.customer)
    resumed.auth_key = flow.auth_key
    for left in (4, 3, 2, 1):
        response = resumed.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
        assert response.status_code == 403
        assert f"{left} tr" in response.json()["message"]
    assert resumed.customer.pin_failed_attempts == 4
    response = resumed.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    assert response.status_code == 423
    customer = resumed.customer
    assert customer.pin_status == "LOCKED"
    assert customer.pin_locked_until > timezone.now() + timedelta(minutes=29)
    assert AuditEvent.objects.filter(action="gateway.pin_locked", target_id=str(customer.id)).count() == 1
    resumed.challenge.refresh_from_db()
    assert resumed.challenge.status == "failed"
    # Locked: even the right proof gets nothing, in a fresh challenge too (sent without its page)...
    again = Flow(challenge_make(customer=customer))
    assert link_spend(again.client, again.challenge).status_code == 303
    response = again.post("pin/verify", {"authKey": b64url(flow.auth_key)})
    assert response.status_code == 423
    assert "secret" not in response.content.decode()
    # ...and its page says so at once, with the way back, instead of asking for the PIN.
    page = again.client.get(f"/gateway/s/{again.challenge.id}/")
    assert page.status_code == 410
    assert (
        "Your PIN is locked until" in page.content.decode() and 'id="unlock-pin"' not in page.content.decode()
    )


def test_right_pin_proof_resets_counter_and_allows_recovery(flow):
    flow.set_pin()
    resumed = _resume(flow.customer)
    resumed.auth_key = flow.auth_key
    assert resumed.post("recovery/questions/start").status_code == 409  # PIN not entered yet here
    resumed.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))})
    assert resumed.customer.pin_failed_attempts == 1
    response = resumed.post("pin/verify", {"authKey": b64url(flow.auth_key)})
    assert response.status_code == 200
    data = response.json()["data"]
    assert sm_b(data["wrappedShard"]) == flow.wrapped and len(sm_b(data["secret"])) == 32
    assert resumed.customer.pin_failed_attempts == 0
    assert resumed.set_questions().status_code == 200
    assert resumed.post("complete").status_code == 200


def test_expired_challenge_steps_are_gone(flow):
    Challenge.objects.filter(pk=flow.challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = _snapshot(flow)
    response = flow.post("pin/start")
    assert response.status_code == 410
    assert "expired" in response.json()["message"]
    assert _snapshot(flow) == before


def _email_code(outbox_index=-1):
    body = mail.outbox[outbox_index].body
    return body.split("code is ")[1][:6]


def test_email_recovery_with_code(flow, django_capture_on_commit_callbacks):
    flow.set_pin()
    with django_capture_on_commit_callbacks(execute=True):
        response = flow.post("recovery/email/start", {"email": "ana@example.com"})
    assert response.status_code == 200 and response.json()["data"]["sentTo"] == "a**@example.com"
    assert mail.outbox[-1].to == ["ana@example.com"]
    code = _email_code()
    assert not EmailCode.objects.filter(code_hmac__contains=code).exists()
    recovery_key = secrets.token_bytes(32)
    wrong = "000000" if code != "000000" else "111111"
    body = {"recoveryKey": b64url(recovery_key), "wrappedShard": b64url(flow.wrapped)}
    before = _snapshot(flow)
    response = flow.post("recovery/email/confirm", {**body, "code": wrong})
    assert response.status_code == 403 and "4 tries left" in response.json()["message"]
    assert _snapshot(flow) == before
    assert flow.post("recovery/email/confirm", {**body, "code": code}).status_code == 200
    record = EmailRecovery.objects.get(customer=flow.customer)
    assert (
        decrypt(
            bytes(record.key_enc),
            purpose="email-recovery-key",
            aad=sm.shard_aad(flow.customer.id, "email", 1),
        )
        == recovery_key
    )
    assert flow.customer.recovery_methods == ["EMAIL"]
    assert flow.post("complete").status_code == 200


def test_email_code_expires_and_wears_out(flow, django_capture_on_commit_callbacks):
    flow.set_pin()
    with django_capture_on_commit_callbacks(execute=True):
        flow.post("recovery/email/start", {"email": "ana@example.com"})
    code = _email_code()
    body = {"recoveryKey": b64url(bytes(32)), "wrappedShard": b64url(flow.wrapped)}
    EmailCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = _snapshot(flow)
    response = flow.post("recovery/email/confirm", {**body, "code": code})
    assert response.status_code == 400 and response.json()["code"] == "code_expired"
    assert _snapshot(flow) == before

    with django_capture_on_commit_callbacks(execute=True):
        flow.post("recovery/email/start", {"email": "ana@example.com"})
    code = _email_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        flow.post("recovery/email/confirm", {**body, "code": wrong})
    response = flow.post("recovery/email/confirm", {**body, "code": code})
    assert response.status_code == 400 and response.json()["code"] == "code_exhausted"
    assert _snapshot(flow) == before


@pytest.mark.parametrize("body", [{"email": ""}, {"email": "not-an-address"}, {}])
def test_bad_email_is_rejected(flow, body):
    flow.set_pin()
    response = flow.post("recovery/email/start", body)
    assert response.status_code == 400
    assert EmailCode.objects.count() == 0


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_malformed_code_is_rejected(flow, code):
    flow.set_pin()
    response = flow.post(
        "recovery/email/confirm",
        {"code": code, "recoveryKey": b64url(bytes(32)), "wrappedShard": b64url(bytes(60))},
    )
    assert response.status_code == 400


def _reset(customer):
    flow = Flow(challenge_make(customer=customer, type=Challenge.Type.RESET_PIN))
    page = flow.open()
    assert b"Reset your PIN" in page.content
    return flow


def test_restore_with_questions_then_new_pin(flow):
    flow.set_pin()
    flow.set_questions()
    flow.post("complete")
    old = PinCredential.objects.get(customer=flow.customer)
    reset = _reset(flow.customer)
    before = _snapshot(reset)
    assert reset.post("pin/start").status_code == 409  # restore first
    assert reset.post("complete").status_code == 409
    assert reset.post("pin/verify", {"authKey": b64url(flow.auth_key)}).status_code == 409
    assert _snapshot(reset) == before
    response = reset.post("restore/questions", {"authKey": b64url(flow.auth_key)})
    assert response.status_code == 200
    assert sm_b(response.json()["data"]["wrappedShard"]) == flow.wrapped
    reset.auth_key = secrets.token_bytes(32)
    reset.set_pin()
    new = PinCredential.objects.get(customer=flow.customer)
    assert bytes(new.salt) != bytes(old.salt) and bytes(new.secret_enc) != bytes(old.secret_enc)
    assert reset.post("complete").status_code == 200
    assert AuditEvent.objects.filter(action="gateway.pin_reset").count() == 1


def test_restore_locks_after_five_wrong_answer_sets(flow):
    flow.set_pin()
    flow.set_questions()
    reset = _reset(flow.customer)
    for _ in range(4):
        wrong = {"authKey": b64url(secrets.token_bytes(32))}
        assert reset.post("restore/questions", wrong).status_code == 403
    response = reset.post("restore/questions", {"authKey": b64url(secrets.token_bytes(32))})
    assert response.status_code == 423
    assert flow.customer.questions_locked_until > timezone.now() + timedelta(minutes=29)
    assert AuditEvent.objects.filter(action="gateway.recovery_locked").count() == 1
    again = _reset(flow.customer)
    assert again.post("restore/questions", {"authKey": b64url(flow.auth_key)}).status_code == 423


def test_restore_by_email_releases_the_escrowed_key(flow, django_capture_on_commit_callbacks):
    flow.set_pin()
    with django_capture_on_commit_callbacks(execute=True):
        flow.post("recovery/email/start", {"email": "ana@example.com"})
    key = secrets.token_bytes(32)
    flow.post(
        "recovery/email/confirm",
        {"code": _email_code(), "recoveryKey": b64url(key), "wrappedShard": b64url(flow.wrapped)},
    )
    reset = _reset(flow.customer)
    assert reset.post("restore/email/confirm", {"code": "123456"}).json()["code"] == "no_code"
    with django_capture_on_commit_callbacks(execute=True):
        assert reset.post("restore/email/start").status_code == 200
    assert mail.outbox[-1].to == ["ana@example.com"]
    data = reset.post("restore/email/confirm", {"code": _email_code()}).json()["data"]
    assert sm_b(data["recoveryKey"]) == key and sm_b(data["wrappedShard"]) == flow.wrapped
    assert reset.post("pin/start").status_code == 200


def test_normalisation_mirror_matches_casefold_on_common_text():
    import unicodedata

    def reference(text):
        return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).split())

    for text in ["  Fluffy   the\tCat ", "STRASSE", "Straße", "ＡＢＣ", "ΟΔΥΣΣΕΥΣ", "Ǆemal", "ﬁsh\u00a0Tank"]:
        assert sm.normalize_answer(text) == reference(text)
    assert sm.normalize_answer("ＡＢＣ") == "abc"
    assert sm.normalize_answer("Straße") == sm.normalize_answer("STRASSE")
