"""End to end in headless Chromium: onboarding with questions or email, resume, expiry, PIN lockout."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from core.crypto import decrypt
from core.models import AuditEvent
from customers.models import Challenge, Customer
from gateway.models import PinCredential, QuestionRecovery

from . import scheme_mirror as sm
from .factories import challenge_make, customer_make, link_path
from .seed import seed_pin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "480317"
ANSWERS = ["  Fluffy the   CAT ", "Escuela Rizal", "Baker at Straße 5"]
QUESTION_IDS = ["first_pet", "first_school", "first_job"]


def wire_forms(name: str, raw: bytes) -> dict[str, str]:
    return {
        f"{name} hex": raw.hex(),
        f"{name} HEX": raw.hex().upper(),
        f"{name} base64": base64.b64encode(raw).decode().rstrip("="),
        f"{name} base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def shard_from_pin_copy(customer: Customer, pin: str) -> tuple[bytes, bytes]:
    """(shard, pinKey) read back from the stored PIN copy with the Python mirror (and, for a v2
    copy, the server's OPRF key)."""
    credential = PinCredential.objects.get(customer=customer)
    s = decrypt(
        bytes(credential.secret_enc),
        purpose="gateway-pin-secret",
        aad=sm.shard_aad(customer.id, "pin", credential.scheme_version),
    )
    shard = sm.open_copy(record=credential, customer_id=customer.id, kind="pin", secret_text=pin, secret=s)
    return shard, copy_key(credential, customer.id, "pin", pin)


def copy_key(record, customer_id, purpose: str, secret_text: str) -> bytes:
    """The copy's pinKey (what must never go over the wire)."""
    if record.scheme_version == sm.SCHEME_V2:
        base = sm.server_oprf_output(customer_id, purpose, secret_text, record.oprf_key_version)
    else:
        base = secret_text
    return sm.derive_keys(base, bytes(record.salt))[1]


def shard_from_questions_copy(customer: Customer, answers: list[str]) -> tuple[bytes, bytes]:
    record = QuestionRecovery.objects.get(customer=customer)
    s = decrypt(
        bytes(record.secret_enc),
        purpose="gateway-questions-secret",
        aad=sm.shard_aad(customer.id, "questions", record.scheme_version),
    )
    text = sm.answers_secret(answers)
    shard = sm.open_copy(record=record, customer_id=customer.id, kind="questions", secret_text=text, secret=s)
    return shard, copy_key(record, customer.id, "questions", text)


def open_link(page, live_server, challenge):
    # The link's page spends it with a POST from its script, then the token-free page loads.
    page.goto(live_server.url + link_path(challenge))
    page.wait_for_url(f"{live_server.url}/gateway/s/{challenge.id}/")
    page.wait_for_load_state()


def choose_pin(page, pin=PIN, expect_step="#step-recovery"):
    page.fill("#pin1", pin)
    page.fill("#pin2", pin)
    page.click("#pin-form button[type=submit]")
    if expect_step:
        expect(page.locator(expect_step)).to_be_visible()


def answer_questions(page):
    page.click("#choose-questions")
    for i, (qid, answer) in enumerate(zip(QUESTION_IDS, ANSWERS, strict=True), start=1):
        page.select_option(f"#q{i}", qid)
        page.fill(f"#a{i}", answer)
        page.fill(f"#a{i}c", answer)
    page.click("#questions-form button[type=submit]")


def test_onboarding_with_security_questions_keeps_secrets_in_the_page(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return?from=app")
    page = new_page()
    open_link(page, live_server, challenge)

    # Refusals are explained as the user types, before anything is sent.
    api_calls = lambda: [r for r in page.recorder.requests if "/gateway/api/" in r]  # noqa: E731
    for bad, why in [
        ("111111", "same"),
        ("123456", "counting up"),
        ("890123", "counting up"),
        ("987654", "counting down"),
        ("520520", "most common"),
        ("12", "2 so far"),
    ]:
        page.fill("#pin1", bad)
        expect(page.locator("#pin1-error")).to_contain_text(why)
        expect(page.locator("#pin1")).to_have_attribute("aria-invalid", "true")
    page.fill("#pin1", PIN)
    expect(page.locator("#pin1-error")).to_be_empty()
    page.fill("#pin2", "480318")
    expect(page.locator("#pin2-error")).to_contain_text("do not match")
    page.click("#pin-form button[type=submit]")
    assert api_calls() == []

    page.fill("#pin2", PIN)
    page.click("#pin-form button[type=submit]")
    expect(page.locator("#step-recovery")).to_be_visible()

    # Too few characters and repeated questions are refused in the page.
    page.click("#choose-questions")
    page.select_option("#q1", "first_pet")
    page.select_option("#q2", "first_pet")
    page.fill("#a1", "  a  ")
    page.click("#questions-form button[type=submit]")
    expect(page.locator("#q2-error")).to_contain_text("different question")
    expect(page.locator("#a1-error")).to_contain_text("at least 3")
    expect(page.locator("#a3-error")).to_contain_text("at least 3")
    page.click("#questions-form [data-back]")

    answer_questions(page)
    page.wait_for_url(re.compile(r"/gateway/demo/return\?"))
    expect(page.locator("#received")).to_contain_text("verified")
    assert f"challengeId={challenge.id}" in page.url and "from=app" in page.url

    customer = Customer.objects.get(pk=challenge.customer_id)
    assert customer.has_pin and customer.has_recovery and customer.pin_status == "ENABLED"
    assert customer.recovery_methods == ["SECURITY_QUESTIONS"]
    challenge.refresh_from_db()
    assert challenge.status == "verified" and challenge.completed_at is not None

    # The server's copies open with the browser's PIN and normalised answers to the same shard.
    shard, pin_key = shard_from_pin_copy(customer, PIN)
    shard_q, answers_key = shard_from_questions_copy(customer, ANSWERS)
    assert shard == shard_q and len(shard) == 32

    secrets_ = {
        "PIN": PIN,
        **wire_forms("shard", shard),
        **wire_forms("pinKey", pin_key),
        **wire_forms("answers key", answers_key),
    }
    for i, answer in enumerate(ANSWERS):
        secrets_[f"answer {i}"] = answer.strip()
        secrets_[f"normalised answer {i}"] = sm.normalize_answer(answer)
    page.recorder.assert_absent(secrets_)

    # JavaScript and the Python mirror normalise answers identically.
    samples = [
        *ANSWERS,
        "ΟΔΥΣΣΕΥΣ",
        "ﬁsh\u00a0Tank",
        "Ǆemal",
        "ＡＢＣ\u3000def",
        "a\u1680b\u2028c",
        "x\u001fy",
    ]
    js = page.evaluate(
        "async (xs) => { const m = await import('/static/gateway/js/normalize.js');"
        " return xs.map(m.normalizeAnswer); }",
        samples,
    )
    assert js == [sm.normalize_answer(x) for x in samples]


def test_onboarding_with_email(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    page = new_page()
    open_link(page, live_server, challenge)
    choose_pin(page)
    page.click("#choose-email")
    expect(page.locator("#step-email")).to_contain_text("with our help")
    page.fill("#email", "ana@example.com")
    page.click("#email-form button[type=submit]")
    expect(page.locator("#email-code-form")).to_be_visible()
    expect(page.locator("#email-sent")).to_contain_text("a**@example.com")
    assert mail.outbox[-1].to == ["ana@example.com"]
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.fill("#email-code", wrong)
    page.click("#email-code-form button[type=submit]")
    expect(page.locator("#email-code-form .form-error")).to_contain_text("4 tries left")
    page.fill("#email-code", code)
    page.click("#email-code-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))

    customer = Customer.objects.get(pk=challenge.customer_id)
    assert customer.recovery_methods == ["EMAIL"] and customer.has_recovery
    shard, pin_key = shard_from_pin_copy(customer, PIN)
    page.recorder.assert_absent({"PIN": PIN, **wire_forms("shard", shard), **wire_forms("pinKey", pin_key)})


def test_abandon_after_pin_then_resume_at_recovery(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    first = new_page()
    open_link(first, live_server, challenge)
    choose_pin(first)
    first.context.close()  # the user walks away before recovery

    customer = Customer.objects.get(pk=challenge.customer_id)
    assert customer.has_pin and not customer.has_recovery
    again = challenge_make(customer=customer, return_url=f"{live_server.url}/gateway/demo/return")
    page = new_page(width=360)
    open_link(page, live_server, again)
    expect(page.locator("#step-unlock")).to_be_visible()
    page.fill("#unlock-pin", "999990")
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#unlock-form .form-error")).to_contain_text("4 tries left")
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-recovery")).to_be_visible()
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))
    customer.refresh_from_db()
    assert customer.has_recovery and customer.pin_failed_attempts == 0
    # The shard the resumed page wrapped for recovery is the one made before the user left.
    assert shard_from_pin_copy(customer, PIN)[0] == shard_from_questions_copy(customer, ANSWERS)[0]


def test_tampered_pin_copy_is_rejected_by_the_browser(live_server, new_page):
    customer = customer_make()
    seed_pin(customer, PIN, secrets.token_bytes(32))
    credential = PinCredential.objects.get(customer=customer)
    tampered = bytearray(bytes(credential.wrapped_shard))
    tampered[20] ^= 1
    PinCredential.objects.filter(pk=credential.pk).update(wrapped_shard=bytes(tampered))
    challenge = challenge_make(customer=customer)
    page = new_page()
    open_link(page, live_server, challenge)
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#unlock-form .form-error")).to_contain_text("could not be opened")
    expect(page.locator("#step-recovery")).to_be_hidden()
    customer.refresh_from_db()
    assert not customer.has_recovery


def test_expired_challenge_offers_the_way_back(live_server, new_page):
    challenge = challenge_make(
        return_url=f"{live_server.url}/gateway/demo/return?from=app", expires_in=timedelta(seconds=-5)
    )
    page = new_page()
    page.goto(live_server.url + link_path(challenge))
    expect(page.locator("h1")).to_contain_text("expired")
    page.click("a.button")
    page.wait_for_url(re.compile(r"/gateway/demo/return"))
    expect(page.locator("#received")).to_contain_text("expired")
    assert "from=app" in page.url
    assert Challenge.objects.get(pk=challenge.pk).status == "expired"


def test_five_wrong_pins_when_resuming_lock_the_pin(live_server, new_page):
    customer = customer_make()
    seed_pin(customer, PIN, secrets.token_bytes(32))
    challenge = challenge_make(customer=customer)
    page = new_page()
    open_link(page, live_server, challenge)
    for attempt in range(1, 5):
        page.fill("#unlock-pin", f"00000{attempt}")
        page.click("#unlock-form button[type=submit]")
        expect(page.locator("#unlock-form .form-error")).to_contain_text(f"{5 - attempt} tr")
    page.fill("#unlock-pin", "000005")
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-ended")).to_be_visible()
    expect(page.locator("#ended-message")).to_contain_text("locked for 30 minutes")
    customer.refresh_from_db()
    assert customer.pin_status == "LOCKED"
    assert AuditEvent.objects.filter(action="gateway.pin_locked", target_id=str(customer.id)).exists()
    assert Challenge.objects.get(pk=challenge.pk).status == "failed"
