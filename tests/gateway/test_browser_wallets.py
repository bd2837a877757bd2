"""End to end in headless Chromium: onboarding, wallets on ETH-SEPOLIA and MATIC-AMOY, keys the
page derives sign what eth-account recovers to the listed address, before and after a PIN reset,
and neither u, k_i nor the shard ever goes over the wire."""

from __future__ import annotations

import re

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from playwright.sync_api import expect

from core.crypto import decrypt
from customers.models import Challenge, Customer
from tests.gateway.factories import challenge_make
from tests.gateway.test_browser_onboarding import (
    ANSWERS,
    PIN,
    answer_questions,
    choose_pin,
    open_link,
    shard_from_pin_copy,
    wire_forms,
)
from tests.wallets import key_mirror as km
from wallets import services
from wallets.models import CustomerKey, Wallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PIN = "271639"
MESSAGE = "onboarding-gateway wallet test: sign me"

# Test-only hook, installed by routing the page's own wallet.js through this patch (nothing in
# the shipped code exposes a key): every k_i the page derives also signs MESSAGE (EIP-191
# personal_sign, v = recovery id), and so does k_0 from the same u and v, to show that the
# page still derives the first wallet's key after a PIN reset.
HOOK = r"""
const __walletKey = walletKey;
walletKey = function (u, v, t) {
  const k = __walletKey(u, v, t);
  const k0 = __walletKey(u, v, tweak(v, 0));
  const msg = utf8ToBytes(globalThis.__ogTestMessage);
  const digest = keccak_256(concatBytes(utf8ToBytes("\x19Ethereum Signed Message:\n" + msg.length), msg));
  globalThis.__ogTestSignatures.push({
    address: addressOf(k), signature: bytesToHex(signDigest(k, digest)),
    address0: addressOf(k0), signature0: bytesToHex(signDigest(k0, digest)),
  });
  return k;
};
"""


def hooked_page(new_page):
    page = new_page(width=360)
    page.add_init_script(f"globalThis.__ogTestSignatures = []; globalThis.__ogTestMessage = {MESSAGE!r};")

    def patch(route):
        response = route.fetch()
        body = response.text()
        assert "export function walletKey" in body
        route.fulfill(response=response, body=body + HOOK)

    page.route("**/static/gateway/js/wallet.js", patch)
    return page


def recovered(signature_hex: str) -> str:
    return Account.recover_message(encode_defunct(text=MESSAGE), signature=bytes.fromhex(signature_hex))


def create_wallets(page, live_server, customer, chains, pin):
    challenge = services.wallet_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        blockchains=chains,
        redirect_url=f"{live_server.url}/gateway/demo/return?from=app",
    )
    open_link(page, live_server, challenge)
    expect(page.locator("main")).to_contain_text(customer.organization.name)
    expect(page.locator("main")).to_contain_text(chains[0])
    expect(page.locator("#step-unlock")).to_be_visible()
    page.fill("#unlock-pin", pin)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#wallet-created")).to_be_visible()
    listed = page.locator("#wallet-list li")
    expect(listed).to_have_count(len(chains))
    signed = page.evaluate("globalThis.__ogTestSignatures")  # before the page leaves
    page.click("#wallet-form button[type=submit]")
    page.wait_for_url(re.compile(r"/gateway/demo/return\?.*status=verified"))
    challenge.refresh_from_db()
    assert challenge.status == "verified"
    return challenge, signed


def secrets_of(customer: Customer, pin: str) -> dict[str, str]:
    """u, every k_i and the shard in the forms a leak could take, computed on the server side
    from the stored copies (not taken from the page)."""
    shard, pin_key = shard_from_pin_copy(customer, pin)
    u = km.user_share(shard)
    key = CustomerKey.objects.get(customer=customer)
    from wallets.services import SERVER_SHARE_PURPOSE, server_share_aad

    v = decrypt(bytes(key.server_share_enc), purpose=SERVER_SHARE_PURPOSE, aad=server_share_aad(customer.id))
    forms = {"PIN": pin, **wire_forms("shard", shard), **wire_forms("pinKey", pin_key)}
    forms.update(wire_forms("u", u.to_bytes(32, "big")))
    for index in range(key.next_index):
        forms.update(wire_forms(f"k_{index}", km.wallet_key(u, v, index)))
    return forms


def test_wallets_whose_keys_the_page_derives_before_and_after_a_pin_reset(live_server, new_page):
    # Onboarding through the page: PIN and security questions.
    setup = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    page = hooked_page(new_page)
    open_link(page, live_server, setup)
    choose_pin(page)
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))
    customer = Customer.objects.get(pk=setup.customer_id)
    assert customer.has_pin and customer.has_recovery
    page.recorder.requests.clear()

    # Wallets on ETH-SEPOLIA and MATIC-AMOY: one index, one address.
    first, signed = create_wallets(page, live_server, customer, ["ETH-SEPOLIA", "MATIC-AMOY"], PIN)
    wallets = list(Wallet.objects.filter(customer=customer).order_by("blockchain"))
    assert [w.blockchain for w in wallets] == ["ETH-SEPOLIA", "MATIC-AMOY"]
    address = wallets[0].address
    assert {w.address for w in wallets} == {address} and {w.key_index for w in wallets} == {0}
    assert sorted(w["address"] for w in first.result["wallets"]) == [address, address]
    expect(page.locator("#received")).to_contain_text("verified")

    assert len(signed) == 1 and signed[0]["address"] == address.lower()
    assert recovered(signed[0]["signature"]) == address  # eth-account, on the server side of the test
    page.recorder.assert_absent(secrets_of(customer, PIN))

    # PIN reset through recovery, in the page.
    reset = challenge_make(
        customer=customer, type=Challenge.Type.RESET_PIN, return_url=f"{live_server.url}/gateway/demo/return"
    )
    page = hooked_page(new_page)
    open_link(page, live_server, reset)
    for i, answer in enumerate(ANSWERS, start=1):
        page.fill(f"#ra{i}", answer)
    page.click("#restore-questions-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()
    page.fill("#pin1", NEW_PIN)
    page.fill("#pin2", NEW_PIN)
    page.click("#pin-form button[type=submit]")
    page.wait_for_url(re.compile(r"status=verified"))

    # With the new PIN the page derives the same key: a new wallet at index 1, and k_0 still
    # signs for the first address.
    joint = bytes(CustomerKey.objects.get(customer=customer).public_key)
    _, signed = create_wallets(page, live_server, customer, ["BASE-SEPOLIA"], NEW_PIN)
    new_wallet = Wallet.objects.get(customer=customer, blockchain="BASE-SEPOLIA")
    assert new_wallet.key_index == 1 and new_wallet.address != address
    assert bytes(CustomerKey.objects.get(customer=customer).public_key) == joint
    assert len(signed) == 1
    assert recovered(signed[0]["signature"]) == new_wallet.address
    assert signed[0]["address0"] == address.lower() and recovered(signed[0]["signature0"]) == address
    page.recorder.assert_absent(secrets_of(customer, NEW_PIN))
    assert CustomerKey.objects.count() == 1 and Wallet.objects.filter(customer=customer).count() == 3
