"""RFC 9497 Appendix A.1.1 vectors through the page's OPRF module (vendored @noble/curves) in Chromium."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest
from playwright.sync_api import expect

from core.models import AuditEvent
from customers.models import Challenge, Customer
from gateway.models import PinCredential, QuestionRecovery
from tests.core.oprf_vectors import KEY_INFO, SEED, SK_SM, VECTORS

from .factories import challenge_make, customer_make
from .seed import seed_pin, seed_questions
from .test_browser_onboarding import (
    ANSWERS,
    PIN,
    QUESTION_IDS,
    answer_questions,
    choose_pin,
    open_link,
    shard_from_pin_copy,
    shard_from_questions_copy,
    wire_forms,
)

NEW_PIN = "271639"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# noble draws a blind as 1 + (little-endian(rng(48)) mod (order - 1)); these 48 bytes make it the RFC's.
ORDER = 2**252 + 27742317777372353535851937790883648493


def rng_bytes_for(blind_hex: str) -> str:
    value = int.from_bytes(bytes.fromhex(blind_hex), "little") - 1
    assert 0 <= value < ORDER - 1
    return value.to_bytes(48, "little").hex()


CHECK = """
async ([vectors, seed, keyInfo]) => {
  const m = await import("/static/gateway/js/oprf.js");
  const { bytesToHex, hexToBytes } = await import("/static/vendor/noble-pin.js");
  const keys = m.oprfDeriveKeyPair(hexToBytes(seed), hexToBytes(keyInfo));
  const results = [];
  for (const v of vectors) {
    const input = hexToBytes(v.Input);
    const fixed = hexToBytes(v.rng);
    const { blind, blinded } = m.oprfBlind(input, (n) => fixed.slice(0, n));
    const evaluated = m.oprfBlindEvaluate(keys.secretKey, blinded);
    results.push({
      Blind: bytesToHex(blind),
      BlindedElement: bytesToHex(blinded),
      EvaluationElement: bytesToHex(evaluated),
      Output: bytesToHex(m.oprfFinalize(input, blind, evaluated)),
    });
  }
  return { secretKey: bytesToHex(keys.secretKey), results };
}
"""


def test_rfc_9497_oprf_vectors_pass_in_the_page(new_page, live_server):
    page = new_page()
    # Any page of ours: the module is then loaded same-origin, under the gateway's CSP.
    page.goto(f"{live_server.url}/gateway/c/{uuid.uuid4()}/x")
    vectors = [{**v, "rng": rng_bytes_for(v["Blind"])} for v in VECTORS]
    got = page.evaluate(CHECK, [vectors, SEED, KEY_INFO])
    assert got["secretKey"] == SK_SM
    for vector, result in zip(VECTORS, got["results"], strict=True):
        for field in ("Blind", "BlindedElement", "EvaluationElement", "Output"):
            assert result[field] == vector[field], field


def test_the_page_refuses_an_evaluation_that_is_not_a_group_element(new_page, live_server):
    page = new_page()
    page.goto(f"{live_server.url}/gateway/c/{uuid.uuid4()}/x")
    message = page.evaluate(
        """async () => {
          const m = await import("/static/gateway/js/oprf.js");
          const input = new TextEncoder().encode("480317");
          const { blind } = m.oprfBlind(input);
          try { m.oprfFinalize(input, blind, new Uint8Array(32).fill(255)); return "accepted"; }
          catch (e) { return "refused"; }
        }"""
    )
    assert message == "refused"


# --- The journeys on scheme v2 in the page ------------------------------------------------------


def copies(customer_id):
    pin = PinCredential.objects.get(customer_id=customer_id)
    questions = QuestionRecovery.objects.filter(customer_id=customer_id).first()
    return (pin.scheme_version, pin.oprf_key_version), (
        (questions.scheme_version, questions.oprf_key_version) if questions else None
    )


def unlock_with_pin(page, pin=PIN):
    page.fill("#unlock-pin", pin)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-recovery")).to_be_visible()


def restore_with_answers(page):
    page.fill("#ra1", "fluffy the cat")
    page.fill("#ra2", ANSWERS[1].upper())
    page.fill("#ra3", ANSWERS[2])
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()


def test_onboard_unlock_and_reset_all_on_v2(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    customer_id = challenge.customer_id
    first = new_page()
    open_link(first, live_server, challenge)
    choose_pin(first)  # the user leaves after the PIN
    assert copies(customer_id) == ((2, 1), None)
    customer = Customer.objects.get(pk=customer_id)
    shard, _ = shard_from_pin_copy(customer, PIN)

    resumed = new_page()
    open_link(resumed, live_server, challenge_make(customer=customer, return_url=challenge.return_url))
    unlock_with_pin(resumed)  # pin/evaluate (counted), then pin/verify naming it
    api = [r.split("\n")[0] for r in resumed.recorder.requests if "/gateway/api/" in r]
    assert [url.rsplit("/", 2)[-2:] for url in api] == [["pin", "evaluate"], ["pin", "verify"]]
    answer_questions(resumed)
    resumed.wait_for_url(re.compile(r"status=verified"))
    assert copies(customer_id) == ((2, 1), (2, 1))
    assert shard_from_questions_copy(Customer.objects.get(pk=customer_id), ANSWERS)[0] == shard
    assert Customer.objects.get(pk=customer_id).pin_failed_attempts == 0

    reset = new_page()
    open_link(
        reset,
        live_server,
        challenge_make(customer=customer, type=Challenge.Type.RESET_PIN, return_url=challenge.return_url),
    )
    restore_with_answers(reset)
    choose_pin(reset, NEW_PIN, expect_step=None)
    reset.wait_for_url(re.compile(r"status=verified"))
    customer = Customer.objects.get(pk=customer_id)
    assert copies(customer_id) == ((2, 1), (2, 1))
    assert shard_from_pin_copy(customer, NEW_PIN)[0] == shard
    reset.recorder.assert_absent({"new PIN": NEW_PIN, **wire_forms("shard", shard)})


def test_a_v1_customer_unlocks_in_the_page_and_is_moved_to_v2(live_server, new_page):
    """The copies a customer got from the previous code (scheme v1, made here as that page made
    them) keep working; the first unlock of each moves it to v2, with the same shard."""
    customer = customer_make()
    shard = secrets.token_bytes(32)
    seed_pin(customer, PIN, shard, scheme=1)
    assert copies(customer.id) == ((1, None), None)
    page = new_page()
    open_link(
        page,
        live_server,
        challenge_make(customer=customer, return_url=f"{live_server.url}/gateway/demo/return"),
    )
    unlock_with_pin(page)
    steps = [
        r.split("\n")[0].split("/api/")[1].split("/", 1)[1] for r in page.recorder.requests if "/api/" in r
    ]
    assert steps == ["pin/verify", "pin/upgrade"]
    assert copies(customer.id) == ((2, 1), None)
    assert shard_from_pin_copy(Customer.objects.get(pk=customer.id), PIN)[0] == shard
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))
    assert AuditEvent.objects.filter(action="gateway.pin_rekeyed", target_id=str(customer.id)).count() == 1

    # Answers made with the previous code move too, on the restore that opens them.
    QuestionRecovery.objects.filter(customer=customer).delete()
    seed_questions(customer, QUESTION_IDS, ANSWERS, shard, scheme=1)
    reset = new_page()
    open_link(
        reset,
        live_server,
        challenge_make(
            customer=customer,
            type=Challenge.Type.RESET_PIN,
            return_url=f"{live_server.url}/gateway/demo/return",
        ),
    )
    restore_with_answers(reset)
    assert copies(customer.id) == ((2, 1), (2, 1))
    assert shard_from_questions_copy(Customer.objects.get(pk=customer.id), ANSWERS)[0] == shard
    choose_pin(reset, NEW_PIN, expect_step=None)
    reset.wait_for_url(re.compile(r"status=verified"))
    assert shard_from_pin_copy(Customer.objects.get(pk=customer.id), NEW_PIN)[0] == shard


def test_a_page_that_does_not_name_the_scheme_still_unlocks_a_v1_copy(live_server, new_page):
    """Flows whose template does not pass data-pin-scheme (a new flow's page) fall back to v1."""
    customer = customer_make()
    shard = secrets.token_bytes(32)
    seed_pin(customer, PIN, shard, scheme=1)
    page = new_page()
    open_link(page, live_server, challenge_make(customer=customer))
    page.evaluate("document.getElementById('gateway').removeAttribute('data-pin-scheme')")
    unlock_with_pin(page)
    steps = [
        r.split("\n")[0].split("/api/")[1].split("/", 1)[1] for r in page.recorder.requests if "/api/" in r
    ]
    assert steps == ["pin/evaluate", "pin/verify", "pin/upgrade"]
    assert copies(customer.id) == ((2, 1), None)
    assert Customer.objects.get(pk=customer.id).pin_failed_attempts == 0
