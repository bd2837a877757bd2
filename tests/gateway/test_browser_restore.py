"""End to end in headless Chromium: a RESET_PIN restore keeps the shard; wrong answer sets lock recovery."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from core.crypto import b64url, decrypt
from core.models import AuditEvent
from customers.models import Challenge, Customer
from gateway.models import PinCredential

from . import scheme_mirror as sm
from .factories import challenge_make, customer_make
from .seed import seed_pin, seed_questions
from .test_browser_onboarding import ANSWERS, PIN, QUESTION_IDS, open_link, wire_forms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PIN = "271639"

UNWRAP_IN_PAGE = """async (a) => {
  const m = await import('/static/gateway/js/scheme.js');
  const shard = await m.unwrapWithSecret({
    secretText: a.version === 2 ? m.fromB64url(a.output) : a.pin, salt: m.fromB64url(a.salt),
    serverSecret: m.fromB64url(a.secret), wrapped: m.fromB64url(a.wrapped), customerId: a.customerId,
    kind: 'pin', version: a.version });
  return m.hex(shard);
}"""


def pin_copy_args(customer: Customer, pin: str) -> dict[str, str]:
    """The stored PIN copy's public parts plus its server secret (and, for v2, the PIN's OPRF
    output under the server's key), for unwrapping inside the page."""
    credential = PinCredential.objects.get(customer=customer)
    version = credential.scheme_version
    s = decrypt(
        bytes(credential.secret_enc),
        purpose="gateway-pin-secret",
        aad=f"onboarding-gateway|{customer.id}|v{version}|pin".encode(),
    )
    output = (
        sm.server_oprf_output(customer.id, "pin", pin, credential.oprf_key_version) if version == 2 else b""
    )
    return {
        "version": version,
        "output": b64url(output),
        "pin": pin,
        "salt": b64url(bytes(credential.salt)),
        "secret": b64url(s),
        "wrapped": b64url(bytes(credential.wrapped_shard)),
        "customerId": str(customer.id),
    }


def seeded_customer():
    customer = customer_make()
    shard = secrets.token_bytes(32)
    seed_pin(customer, PIN, shard)
    seed_questions(customer, QUESTION_IDS, ANSWERS, shard)
    return Customer.objects.get(pk=customer.pk), shard


def test_restore_keeps_the_shard_byte_for_byte(live_server, new_page):
    customer, seeded = seeded_customer()
    challenge = challenge_make(
        customer=customer, type=Challenge.Type.RESET_PIN, return_url=f"{live_server.url}/gateway/demo/return"
    )
    page = new_page()
    open_link(page, live_server, challenge)
    before_args = pin_copy_args(customer, PIN)
    before = page.evaluate(UNWRAP_IN_PAGE, before_args)
    assert before == seeded.hex()
    page.recorder.requests.clear()  # only the restore itself is checked for leaks below

    expect(page.locator("#step-restore-questions")).to_be_visible()
    page.fill("#ra1", "fluffy the cat")  # normalisation makes case and spaces irrelevant
    page.fill("#ra2", ANSWERS[1].upper())
    page.fill("#ra3", ANSWERS[2])
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()
    expect(page.locator("#step-pin h2")).to_contain_text("new PIN")
    page.fill("#pin1", NEW_PIN)
    page.fill("#pin2", NEW_PIN)
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))

    customer.refresh_from_db()
    assert customer.pin_status == "ENABLED" and customer.has_pin
    after_args = pin_copy_args(customer, NEW_PIN)
    assert after_args["salt"] != before_args["salt"] and after_args["secret"] != before_args["secret"]
    after = page.evaluate(UNWRAP_IN_PAGE, after_args)
    assert after == before
    old_pin = {**after_args, "pin": PIN, "output": b64url(sm.server_oprf_output(customer.id, "pin", PIN))}
    with pytest.raises(Exception, match=r"OperationError|decrypt"):
        page.evaluate(UNWRAP_IN_PAGE, old_pin)  # the old PIN opens nothing now
    assert AuditEvent.objects.filter(action="gateway.pin_reset", target_id=str(customer.id)).exists()
    page.recorder.assert_absent(
        {
            "new PIN": NEW_PIN,
            **wire_forms("shard", seeded),
            **{f"answer {i}": a.strip() for i, a in enumerate(ANSWERS)},
        }
    )


def test_five_wrong_answer_sets_lock_the_restore(live_server, new_page):
    customer, _ = seeded_customer()
    challenge = challenge_make(customer=customer, type=Challenge.Type.RESET_PIN)
    page = new_page()
    open_link(page, live_server, challenge)
    for attempt in range(1, 5):
        for i in range(1, 4):
            page.fill(f"#ra{i}", f"wrong answer {attempt}")
        page.click("#restore-questions-form button[type=submit]")
        expect(page.locator("#restore-questions-form .form-error")).to_contain_text(f"{5 - attempt} tr")
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-ended")).to_be_visible()
    expect(page.locator("#ended-message")).to_contain_text("locked for 30 minutes")
    customer.refresh_from_db()
    assert customer.questions_locked_until is not None
    assert Challenge.objects.get(pk=challenge.pk).status == "failed"
    assert AuditEvent.objects.filter(action="gateway.recovery_locked", target_id=str(customer.id)).exists()


def test_restore_by_email_code_opens_the_same_shard_through_the_unlock_module(live_server, new_page):
    from django.core import mail

    from core.crypto import encrypt
    from gateway.models import EmailRecovery

    from . import scheme_mirror as sm
    from .test_browser_onboarding import shard_from_pin_copy

    customer = customer_make()
    shard, recovery_key = secrets.token_bytes(32), secrets.token_bytes(32)
    seed_pin(customer, PIN, shard)
    EmailRecovery.objects.create(
        customer=customer,
        email="ana@example.com",
        key_enc=encrypt(recovery_key, purpose="email-recovery-key", aad=sm.shard_aad(customer.id, "email")),
        wrapped_shard=sm.wrap_shard(recovery_key, shard, sm.shard_aad(customer.id, "email")),
    )
    Customer.objects.filter(pk=customer.pk).update(has_recovery=True, recovery_methods=["EMAIL"])
    challenge = challenge_make(
        customer=customer, type=Challenge.Type.RESET_PIN, return_url=f"{live_server.url}/gateway/demo/return"
    )
    page = new_page()
    open_link(page, live_server, challenge)
    expect(page.locator("#step-restore-email")).to_be_visible()
    page.click("#restore-email-form button[type=submit]")
    expect(page.locator("#restore-email-sent")).to_contain_text("a**@example.com")
    code = mail.outbox[-1].body.split("code is ")[1][:6]
    page.fill("#restore-code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.click("#restore-code-form button[type=submit]")
    expect(page.locator("#restore-code-form .form-error")).to_contain_text("4 tries left")
    page.fill("#restore-code", code)
    page.click("#restore-code-form button[type=submit]")
    expect(page.locator("#step-pin h2")).to_contain_text("new PIN")
    page.fill("#pin1", NEW_PIN)
    page.fill("#pin2", NEW_PIN)
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))
    assert shard_from_pin_copy(Customer.objects.get(pk=customer.pk), NEW_PIN)[0] == shard
    assert Customer.objects.get(pk=customer.pk).email_failed_attempts == 0
    page.recorder.assert_absent({"new PIN": NEW_PIN, **wire_forms("shard", shard)})
