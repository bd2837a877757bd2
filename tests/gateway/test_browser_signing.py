"""End to end in headless Chromium: a customer onboarded and a wallet created through the pages, then a
personal message, an EIP-712 permit and an EIP-1559 transaction approved on the gateway page, each
recovered by eth-account to the wallet's address; the same after a PIN change and a PIN reset; keys
exported on the page match the wallets; a declined approval fails; no secret goes over the wire."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from playwright.sync_api import expect

from customers.models import Challenge, Customer
from tests.gateway.factories import challenge_make, customer_make
from tests.gateway.seed import seed_pin, seed_questions
from tests.gateway.test_browser_onboarding import (
    ANSWERS,
    PIN,
    QUESTION_IDS,
    answer_questions,
    choose_pin,
    open_link,
)
from tests.gateway.test_browser_wallets import create_wallets, secrets_of
from tests.wallets.test_signing_steps import RECIPIENT, TX, permit
from wallets import signing_services
from wallets.models import Wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGED_PIN = "593017"
RESET_PIN = "728461"
MESSAGE = "Sign in to Demo Wallet\nnonce: 8c1f"


def sign_request(customer, wallet, live_server, kind, **payload):
    return signing_services.sign_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        wallet_id=wallet.pk,
        kind=kind,
        redirect_url=f"{live_server.url}/gateway/demo/return?from=app",
        memo="Order #1042",
        **payload,
    )


def approve(page, live_server, challenge, pin, *, expect_text=()):
    open_link(page, live_server, challenge)
    main = page.locator("main")
    expect(main).to_contain_text(challenge.organization.name)
    expect(main).to_contain_text("Order #1042")
    for text in expect_text:
        expect(main).to_contain_text(text)
    expect(page.locator("#step-unlock")).to_be_visible()
    page.fill("#unlock-pin", pin)
    page.click("#unlock-form button[type=submit]")
    page.wait_for_url(re.compile(r"/gateway/demo/return\?.*status=verified"))
    challenge.refresh_from_db()
    assert challenge.status == "verified", challenge.result
    return challenge.result


def sign_transaction(page, live_server, customer, wallet, pin, nonce):
    tx = {**TX, "nonce": nonce, "data": "0xa9059cbb" + "00" * 64}
    challenge = sign_request(customer, wallet, live_server, "transaction", transaction_=tx)
    result = approve(
        page,
        live_server,
        challenge,
        pin,
        expect_text=("0.01 ETH", RECIPIENT, "function 0xa9059cbb, 68 bytes"),
    )
    assert Account.recover_transaction(result["signedTransaction"]) == wallet.address
    decoded = TypedTransaction.from_bytes(HexBytes(result["signedTransaction"])).as_dict()
    assert {
        k: decoded[k] for k in ("chainId", "nonce", "gas", "value", "maxFeePerGas", "maxPriorityFeePerGas")
    } == {
        "chainId": 11155111,
        "nonce": nonce,
        "gas": 21000,
        "value": 10**16,
        "maxFeePerGas": 30 * 10**9,
        "maxPriorityFeePerGas": 1_500_000_000,
    }
    assert decoded["to"] == bytes.fromhex(RECIPIENT[2:]) and decoded["data"] == bytes.fromhex(tx["data"][2:])
    assert decoded["accessList"] == ()
    return result


def test_message_permit_and_transaction_signed_on_the_page_recover_to_the_wallet(live_server, new_page):
    setup = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    page = new_page(width=360)
    open_link(page, live_server, setup)
    choose_pin(page)
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))
    customer = Customer.objects.get(pk=setup.customer_id)
    create_wallets(page, live_server, customer, ["ETH-SEPOLIA"], PIN)
    wallet = Wallet.objects.get(customer=customer)
    page.recorder.requests.clear()

    # A personal message (EIP-191).
    challenge = sign_request(customer, wallet, live_server, "message", message=MESSAGE)
    result = approve(
        page, live_server, challenge, PIN, expect_text=("Sign in to Demo Wallet", wallet.address)
    )
    assert (
        Account.recover_message(encode_defunct(text=MESSAGE), signature=result["signature"]) == wallet.address
    )

    # An EIP-712 permit.
    typed = permit(wallet.address)
    challenge = sign_request(customer, wallet, live_server, "typed_data", typed_data=json.dumps(typed))
    result = approve(
        page, live_server, challenge, PIN, expect_text=("USD Coin", "Permit", "spender", "1900000000")
    )
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=result["signature"]) == wallet.address

    # An EIP-1559 transaction, decoded to exactly the requested fields.
    sign_transaction(page, live_server, customer, wallet, PIN, nonce=0)
    page.recorder.assert_absent(secrets_of(customer, PIN))


def test_transactions_after_a_pin_change_and_a_pin_reset_recover_to_the_same_address(live_server, new_page):
    shard = secrets.token_bytes(32)
    customer = customer_make()
    seed_pin(customer, PIN, shard)
    seed_questions(customer, QUESTION_IDS, ANSWERS, shard)
    page = new_page(width=360)
    create_wallets(page, live_server, customer, ["ETH-SEPOLIA"], PIN)
    wallet = Wallet.objects.get(customer=customer)

    # PIN change: the current PIN, then a new one twice.
    change = challenge_make(
        customer=customer, type=Challenge.Type.CHANGE_PIN, return_url=f"{live_server.url}/gateway/demo/return"
    )
    open_link(page, live_server, change)
    expect(page.locator("h1")).to_have_text("Change your PIN")
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()
    page.fill("#pin1", CHANGED_PIN)
    page.fill("#pin2", CHANGED_PIN)
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))
    sign_transaction(page, live_server, customer, wallet, CHANGED_PIN, nonce=1)
    page.recorder.assert_absent(secrets_of(customer, CHANGED_PIN))

    # PIN reset through the security questions.
    reset = challenge_make(
        customer=customer, type=Challenge.Type.RESET_PIN, return_url=f"{live_server.url}/gateway/demo/return"
    )
    open_link(page, live_server, reset)
    for i, answer in enumerate(ANSWERS, start=1):
        page.fill(f"#ra{i}", answer)
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()
    page.fill("#pin1", RESET_PIN)
    page.fill("#pin2", RESET_PIN)
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))
    sign_transaction(page, live_server, customer, wallet, RESET_PIN, nonce=2)
    page.recorder.assert_absent(secrets_of(customer, RESET_PIN))


def test_export_shows_the_wallet_key_and_a_declined_approval_fails(live_server, new_page):
    shard = secrets.token_bytes(32)
    customer = customer_make()
    seed_pin(customer, PIN, shard)
    seed_questions(customer, QUESTION_IDS, ANSWERS, shard)
    page = new_page(width=360)
    create_wallets(page, live_server, customer, ["ETH-SEPOLIA", "MATIC-AMOY"], PIN)
    wallet = Wallet.objects.filter(customer=customer).first()
    page.recorder.requests.clear()

    # Declined on the approval page: the challenge fails, the app hears status=failed.
    challenge = sign_request(customer, wallet, live_server, "message", message="Transfer everything")
    open_link(page, live_server, challenge)
    expect(page.locator("#sign-message")).to_have_text("Transfer everything")
    page.click("#unlock-form [data-decline]")
    page.wait_for_url(re.compile(r"/gateway/demo/return\?.*status=failed"))
    challenge.refresh_from_db()
    assert challenge.status == "failed" and challenge.result == {"reason": "declined"}

    # Export: the PIN, an explicit confirmation, then the key, hidden until revealed.
    export = signing_services.export_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        redirect_url=f"{live_server.url}/gateway/demo/return",
    )
    open_link(page, live_server, export)
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-export")).to_be_visible()
    expect(page.locator("#export-warning")).to_contain_text("Anyone who sees or copies it")
    page.click("#export-form button[type=submit]")
    expect(page.locator("#export-confirm-error")).to_contain_text("Tick the box")
    assert not Wallet.objects.filter(exported=True).exists()
    page.check("#export-confirm")
    page.click("#export-form button[type=submit]")
    key_input = page.locator("#export-key-0")
    expect(key_input).to_have_attribute("type", "password")
    page.click("#export-keys button:has-text('Reveal')")
    expect(key_input).to_have_attribute("type", "text")
    exported_key = key_input.input_value()
    assert Account.from_key(exported_key).address == wallet.address
    assert Wallet.objects.filter(customer=customer, exported=True).count() == 2
    page.click("#export-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))
    export.refresh_from_db()
    assert export.status == "verified" and {w["address"] for w in export.result["wallets"]} == {
        wallet.address
    }
    page.recorder.assert_absent(secrets_of(customer, PIN))
    for text in page.recorder.requests:
        assert exported_key[2:] not in text.lower()
