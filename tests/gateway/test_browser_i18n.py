"""In headless Chromium: a user switches the page to Filipino, sets a PIN (the PIN rules answer in
Filipino, from the JavaScript catalogue) and security questions in Filipino, then restores with
the same answers on a page in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from customers.models import Challenge, Customer

from .factories import challenge_make, customer_make
from .test_browser_onboarding import ANSWERS, PIN, QUESTION_IDS, choose_pin, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PIN = "602914"


def test_setup_in_filipino_then_restore_in_english(live_server, new_page):
    customer = customer_make()
    back = f"{live_server.url}/gateway/demo/return"
    setup = challenge_make(customer=customer, return_url=back)
    page = new_page()  # Chromium asks for en-US
    open_link(page, live_server, setup)
    expect(page.locator("h1")).to_have_text("Protect your wallet")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The switch: a plain link that re-renders the same step in Filipino, spending nothing.
    page.click("nav.languages a[lang=fil]")
    expect(page.locator("h1")).to_have_text("Protektahan ang iyong wallet")
    expect(page.locator("html")).to_have_attribute("lang", "fil")
    expect(page.locator("nav.languages a[lang=fil]")).to_have_attribute("aria-current", "true")
    expect(page.locator("#step-pin h2")).to_have_text("Pumili ng iyong PIN")

    # PIN rules, checked by the page's script, in Filipino.
    for bad, why in [
        ("111111", "Pare-pareho ang anim na digit"),
        ("123456", "pataas ang bilang"),
        ("987654", "pababa ang bilang"),
        ("520520", "pinakakaraniwang PIN"),
        ("12", "Maglagay ng 6 na digit (2 pa lang)."),
    ]:
        page.fill("#pin1", bad)
        expect(page.locator("#pin1-error")).to_contain_text(why)
    page.fill("#pin1", PIN)
    page.fill("#pin2", "480318")
    expect(page.locator("#pin2-error")).to_have_text("Hindi magkatugma ang dalawang PIN.")
    page.fill("#pin2", PIN)
    page.click("#pin-form button[type=submit]")
    expect(page.locator("#step-recovery h2")).to_have_text("I-set up ang recovery")

    # Security questions, listed in Filipino; a too-short answer is refused in Filipino.
    page.click("#choose-questions")
    expect(page.locator("#q1 option[value=first_pet]")).to_have_text(
        "Ano ang pangalan ng una mong alagang hayop?"
    )
    for i, (qid, answer) in enumerate(zip(QUESTION_IDS, ANSWERS, strict=True), start=1):
        page.select_option(f"#q{i}", qid)
        page.fill(f"#a{i}", answer)
        page.fill(f"#a{i}c", answer)  # each answer typed twice
    page.fill("#a2", "ab")
    page.fill("#a2c", "ab")
    page.click("#questions-form button[type=submit]")
    expect(page.locator("#a2-error")).to_have_text("Kailangan ng hindi bababa sa 3 character ang mga sagot.")
    page.fill("#a2", ANSWERS[1])
    page.fill("#a2c", ANSWERS[1])
    page.click("#questions-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))
    customer.refresh_from_db()
    assert customer.has_pin and customer.has_recovery

    # Restore on a page in English (the challenge says en): the answers typed in the Filipino
    # page open the backup, since questions are ids and answers are normalised, not translated.
    restore = challenge_make(customer=customer, type=Challenge.Type.RESET_PIN, return_url=back, locale="en")
    page = new_page()
    open_link(page, live_server, restore)
    expect(page.locator("h1")).to_have_text("Reset your PIN")
    expect(page.locator("label[for=ra1]")).to_have_text("What was the name of your first pet?")
    page.fill("#ra1", "fluffy the cat")
    page.fill("#ra2", ANSWERS[1])
    page.fill("#ra3", "wrong answer")
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#restore-questions-form .form-error")).to_contain_text("4 tries left")
    page.fill("#ra3", ANSWERS[2].upper())
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-pin h2")).to_have_text("Choose a new PIN")
    choose_pin(page, NEW_PIN, expect_step=None)
    page.wait_for_url(re.compile(r"status=verified"))
    assert Customer.objects.get(pk=customer.pk).pin_status == "ENABLED"


def test_wrong_answers_in_filipino(live_server, new_page):
    """The server's JSON messages follow the page's language too."""
    from .test_browser_restore import seeded_customer

    customer, _ = seeded_customer()
    restore = challenge_make(
        customer=customer,
        type=Challenge.Type.RESET_PIN,
        return_url=f"{live_server.url}/gateway/demo/return",
        locale="fil",
    )
    page = new_page()
    open_link(page, live_server, restore)
    expect(page.locator("h1")).to_have_text("I-reset ang iyong PIN")
    for i in (1, 2, 3):
        page.fill(f"#ra{i}", "not the answer")
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#restore-questions-form .form-error")).to_have_text(
        "May maling sagot. 4 subok na lang bago ma-lock ang recovery nang 30 minuto."
    )
