"""Issue 16 item 4 in headless Chromium: a customer who set a PIN, left before recovery and
forgot the PIN starts over (initialize with resetPin), and only the new PIN works after."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent
from customers.models import ApiKey, Challenge, Customer
from customers.services import api_key_create
from gateway.models import PinCredential
from wallets.models import CustomerKey, Wallet

from .factories import challenge_make, customer_make, organization_make
from .test_browser_onboarding import (
    ANSWERS,
    PIN,
    answer_questions,
    choose_pin,
    open_link,
    shard_from_pin_copy,
    shard_from_questions_copy,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PIN = "731950"


def _api_initialize(customer: Customer, return_url: str, **extra) -> dict:
    key = api_key_create(organization=customer.organization, kind=ApiKey.Kind.FULL)[1]
    response = Client().post(
        f"/v2/customers/{customer.pk}/initialize",
        json.dumps({"redirectUrl": return_url, **extra}),
        content_type="application/json",
        headers={"PLANBOK-X-API-KEY": key},
    )
    return {"status": response.status_code, **response.json()}


def test_start_over_with_reset_pin_replaces_the_forgotten_pin(live_server, new_page, settings):
    settings.ONBOARDING = {**settings.ONBOARDING, "CUSTOMERS_RATE_LIMIT": "100000/s"}
    back = f"{live_server.url}/gateway/demo/return"
    organization = organization_make(origin=live_server.url)
    customer = customer_make(organization=organization)
    first = new_page()
    open_link(first, live_server, challenge_make(customer=customer, return_url=back))
    choose_pin(first)  # the user leaves before recovery, and forgets the PIN
    first.context.close()
    customer.refresh_from_db()
    assert customer.has_pin and not customer.has_recovery
    old_copy = PinCredential.objects.get(customer=customer)
    old_shard = shard_from_pin_copy(customer, PIN)[0]

    # Trying to remember it, the user locked the PIN: a plain initialize says so, with the time.
    Customer.objects.filter(pk=customer.pk).update(
        pin_locked_at=timezone.now(), pin_locked_until=timezone.now() + timedelta(minutes=30)
    )
    locked = _api_initialize(customer, back)
    assert locked["status"] == 409 and set(locked["errors"]) == {"lockedExpiryDate"}

    started = _api_initialize(customer, back, resetPin=True)
    assert started["status"] == 201, started
    challenge = Challenge.objects.get(pk=started["data"]["id"])
    page = new_page()
    open_link(page, live_server, challenge)
    # Straight to choosing a PIN: the forgotten one is not asked for.
    expect(page.locator("#step-pin")).to_be_visible()
    expect(page.locator("#step-unlock")).to_be_hidden()
    choose_pin(page, NEW_PIN)
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))

    customer.refresh_from_db()
    assert customer.has_pin and customer.has_recovery and customer.pin_status == "ENABLED"
    # Nothing depended on the old shard: no wallet or joint key could exist without recovery.
    assert not Wallet.objects.filter(customer=customer).exists()
    assert not CustomerKey.objects.filter(customer=customer).exists()
    new_copy = PinCredential.objects.get(customer=customer)
    assert bytes(new_copy.salt) != bytes(old_copy.salt)
    assert bytes(new_copy.wrapped_shard) != bytes(old_copy.wrapped_shard)
    new_shard = shard_from_pin_copy(customer, NEW_PIN)[0]
    assert new_shard != old_shard and new_shard == shard_from_questions_copy(customer, ANSWERS)[0]
    audit = AuditEvent.objects.get(action="gateway.pin_restarted", target_id=str(customer.pk))
    assert audit.data["challenge"] == str(challenge.pk)
    assert not AuditEvent.objects.filter(action="gateway.pin_reset", target_id=str(customer.pk)).exists()
    page.recorder.assert_absent({"new PIN": NEW_PIN})

    # The new PIN opens the shard; the old one is wrong.
    check = challenge_make(customer=customer, type=Challenge.Type.SET_RECOVERY, return_url=back)
    page = new_page()
    open_link(page, live_server, check)
    expect(page.locator("#step-unlock")).to_be_visible()
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#unlock-form .form-error")).to_contain_text("4 tries left")
    page.fill("#unlock-pin", NEW_PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-recovery")).to_be_visible()

    # Once recovery exists, starting over is refused: reset-pin is the way.
    refused = _api_initialize(customer, back, resetPin=True)
    assert refused["status"] == 409 and "reset-pin" in refused["message"]
