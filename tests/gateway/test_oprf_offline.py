"""Offline search against a captured v2 onboarding, without OPRF_MASTER_KEY: no PIN stands out.

The argument (scheme v2, README "Key scheme v2"):
- The page sends B = r·H(PIN) for a fresh uniformly random scalar r. In a prime-order group,
  r·H(PIN) is a uniformly random element whatever the PIN, so B, and Z = k·B, carry no
  information about the PIN: every PIN is consistent with the same (B, Z).
- Everything else on the wire or in the database that depends on the PIN depends on it only
  through x = F(k, PIN) = SHA-512(... k·H(PIN) ... "Finalize"): authKey and pinKey are HKDF of
  PBKDF2(x, salt); the stored HMAC(pepper, authKey) and the wrapped shard follow from them.
  Without k, x for a guessed PIN cannot be computed (that is the OPRF's pseudorandomness under
  the one-more Diffie-Hellman assumption), so a guess cannot be checked: not against authKey,
  not against the HMAC, not by opening the wrapped shard with the released `s`.
- So the attacker's offline search gives the same answer, "no match", for every PIN, the right
  one included; guessing is left to the online path, one counted evaluation per guess.

The test captures every request and response of a real v2 onboarding in Chromium, takes the
whole database, and also hands the attacker every other server key (MASTER_KEYS and PEPPER),
then runs the checks an attacker can run over a sample of PINs that includes the right one:
v1-style derivation (the PIN itself into PBKDF2) and the v2 derivation under OPRF keys it can
make (a wrong master key). Each check is tried against the captured authKey, the stored HMAC
and the wrapped shard with the released `s`. None singles out the right PIN. As a control, the
same search with the real OPRF_MASTER_KEY finds exactly the right PIN, so the search would
catch a leak. (The full space is 10^6 PINs; each candidate costs a PBKDF2 of 600 000 rounds,
so the test runs a sample: the argument, not the sample size, is what covers the rest.)
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from core import oprf
from core.crypto import b64url_decode, decrypt, peppered_hmac
from core.keys import EnvironmentOprfKeyProvider
from customers.models import Customer
from gateway.models import OprfEvaluation, PinCredential

from . import scheme_mirror as sm
from .factories import challenge_make
from .test_browser_onboarding import PIN, answer_questions, choose_pin, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG_PINS = ["480318", "193782", "000001", "271639", "864209", "502917", "731046", "999990"]
ATTACKER_GUESSED_KEY = "1:" + "YXR0YWNrZXItZ3Vlc3NlZC1vcHJmLWtleS0wMTIzNDU2Nzg5"


def capture(page) -> list[dict]:
    """Every request and response body of the gateway's JSON steps, as a TLS-terminating proxy sees them."""
    seen: list[dict] = []

    def on_response(response) -> None:
        if "/gateway/api/" not in response.url:
            return
        try:
            body = response.json()
        except Exception:
            body = None
        seen.append(
            {
                "step": response.url.split("/gateway/api/")[1].split("/", 1)[1],
                "request": json.loads(response.request.post_data or "{}"),
                "response": body,
            }
        )

    page.on("response", on_response)
    return seen


def whole_database() -> dict[str, list[tuple]]:
    """Every row of every table, as a stolen dump would have it."""
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            dump[table] = cursor.fetchall()
    return dump


def test_a_captured_v2_onboarding_and_the_database_do_not_tell_the_right_pin(live_server, new_page):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    page = new_page()
    traffic = capture(page)
    open_link(page, live_server, challenge)
    choose_pin(page)
    answer_questions(page)
    page.wait_for_url(re.compile(r"status=verified"))

    # What the attacker holds: the traffic, the database, and the other server keys.
    steps = {t["step"]: t for t in traffic}
    assert {"pin/start", "pin/setup", "recovery/questions/start", "recovery/questions", "complete"} <= set(
        steps
    )
    start = steps["pin/start"]
    captured = {
        "blinded": b64url_decode(start["request"]["blindedElement"]),
        "evaluated": b64url_decode(start["response"]["data"]["evaluatedElement"]),
        "salt": b64url_decode(start["response"]["data"]["salt"]),
        "s": b64url_decode(start["response"]["data"]["secret"]),
        "authKey": b64url_decode(steps["pin/setup"]["request"]["authKey"]),
        "wrapped": b64url_decode(steps["pin/setup"]["request"]["wrappedShard"]),
    }
    dump = whole_database()
    assert dump["gateway_pincredential"] and dump["gateway_oprfevaluation"]
    customer = Customer.objects.get(pk=challenge.customer_id)
    credential = PinCredential.objects.get(customer=customer)
    assert credential.scheme_version == 2
    stored_hmac = bytes(credential.auth_hmac)
    assert (
        bytes(credential.salt) == captured["salt"] and bytes(credential.wrapped_shard) == captured["wrapped"]
    )
    # With MASTER_KEYS the attacker also decrypts the stored `s` (the traffic had it anyway).
    assert (
        decrypt(
            bytes(credential.secret_enc),
            purpose="gateway-pin-secret",
            aad=sm.shard_aad(customer.id, "pin", 2),
        )
        == captured["s"]
    )
    assert (
        bytes(OprfEvaluation.objects.get(challenge=challenge, purpose="pin").blinded_element)
        == captured["blinded"]
    )
    # The wire carried neither the PIN nor anything the server could compute from it without k.
    assert all(PIN not in json.dumps(t) for t in traffic)

    def matches(base: str | bytes) -> dict[str, bool]:
        """Every check a guess can be run through, with what the attacker holds."""
        auth_key, pin_key = sm.derive_keys(base, captured["salt"])
        try:
            sm.unwrap_shard(
                sm.wrap_key(pin_key, captured["s"]), captured["wrapped"], sm.shard_aad(customer.id, "pin", 2)
            )
            opens = True
        except ValueError:
            opens = False
        return {
            "authKey": auth_key == captured["authKey"],
            "hmac": peppered_hmac(auth_key, purpose="gateway-pin-auth") == stored_hmac,
            "wrapped shard": opens,
        }

    def oprf_output(pin: str, master_key: str) -> bytes:
        with override_settings(OPRF_MASTER_KEY=master_key):
            return sm.server_oprf_output(customer.id, "pin", pin, 1)

    sample = [PIN, *WRONG_PINS]
    without_key = {
        pin: {
            "v1 (PIN into PBKDF2)": matches(pin),
            "v2 under a guessed OPRF key": matches(oprf_output(pin, ATTACKER_GUESSED_KEY)),
        }
        for pin in sample
    }
    no_match = {"authKey": False, "hmac": False, "wrapped shard": False}
    for pin, results in without_key.items():
        assert results == {"v1 (PIN into PBKDF2)": no_match, "v2 under a guessed OPRF key": no_match}, pin
    # The right PIN's row is the same as every wrong PIN's: the search cannot tell them apart.
    assert len({json.dumps(r, sort_keys=True) for r in without_key.values()}) == 1

    # Control: the same search with the real OPRF key finds the right PIN, and only it.
    real_key = settings.OPRF_MASTER_KEY
    with_key = {pin: matches(oprf_output(pin, real_key)) for pin in sample}
    assert with_key[PIN] == {"authKey": True, "hmac": True, "wrapped shard": True}
    assert all(with_key[pin] == no_match for pin in WRONG_PINS)
    # The page did blind: B is not H(PIN) (which would give the PIN away by hashing the sample),
    # and Z is the server's k·B, nothing more.
    assert captured["blinded"] not in {oprf.hash_to_group(p.encode()) for p in sample}
    provider = EnvironmentOprfKeyProvider()
    assert captured["evaluated"] == provider.blind_evaluate(
        version=1, customer_id=str(customer.id), purpose="pin", blinded_element=captured["blinded"]
    )
