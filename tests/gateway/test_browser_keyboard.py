"""The gateway on a 360-pixel phone screen, driven with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from customers.models import Customer

from .factories import challenge_make
from .test_browser_onboarding import PIN, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_ID = "document.activeElement && document.activeElement.id"


def tab_to(page, element_id: str, limit: int = 25) -> None:
    """Press Tab until `element_id` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(FOCUSED_ID) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def fits_the_screen(page, width: int = 360) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_onboarding_with_email_on_a_phone_with_the_keyboard_alone(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return?from=app")
    page = new_page(width=360)
    open_link(page, live_server, challenge)
    fits_the_screen(page)

    tab_to(page, "pin1")
    page.keyboard.type(PIN)
    tab_to(page, "pin2")
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    expect(page.locator("#step-recovery")).to_be_visible()
    fits_the_screen(page)

    tab_to(page, "choose-email")
    page.keyboard.press("Enter")
    expect(page.locator("#step-email")).to_be_visible()
    fits_the_screen(page)
    tab_to(page, "email")
    page.keyboard.type("ana@example.com")
    page.keyboard.press("Enter")
    expect(page.locator("#email-code-form")).to_be_visible()
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)
    tab_to(page, "email-code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"status=verified"))
    assert "from=app" in page.url

    customer = Customer.objects.get(pk=challenge.customer_id)
    assert customer.has_pin and customer.has_recovery and customer.recovery_methods == ["EMAIL"]


def test_refused_pin_is_explained_next_to_the_field_and_announced(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    page = new_page(width=360)
    open_link(page, live_server, challenge)
    tab_to(page, "pin1")
    page.keyboard.type("123456")
    error = page.locator("#pin1-error")
    expect(error).to_contain_text("counting up")
    assert error.get_attribute("aria-live") in ("polite", "assertive")
    assert "pin1-error" in page.locator("#pin1").get_attribute("aria-describedby").split()
    fits_the_screen(page)
