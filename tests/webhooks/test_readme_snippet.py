"""The README's receiver snippet: it is what the delivery tests verify with, and it is right."""

from __future__ import annotations

import hashlib
import hmac
import time

from .conftest import readme_snippet_source, readme_verify


def test_the_snippet_is_short_and_uses_only_the_standard_library():
    source = readme_snippet_source()
    assert len(source.splitlines()) <= 20
    assert "def verify_webhook(" in source


def test_the_snippet_accepts_a_fresh_signature_and_refuses_the_rest():
    verify = readme_verify()
    secret, body, now = (
        "whsec_example-secret-for-the-test",
        b'{"id":"1","event":"customer.created"}',
        int(time.time()),
    )

    def sign(ts: int, key: str = secret) -> str:
        return "sha256=" + hmac.new(key.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()

    headers = {"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": sign(now)}
    assert verify(secret, headers, body)
    rotated = {**headers, "X-Webhook-Signature": f"{sign(now, 'whsec_new')},{sign(now)}"}
    assert verify(secret, rotated, body) and verify("whsec_new", rotated, body)
    assert not verify(secret, headers, body + b"\n")  # not the raw body
    assert not verify("whsec_other", headers, body)
    stale = now - 301
    assert not verify(secret, {"X-Webhook-Timestamp": str(stale), "X-Webhook-Signature": sign(stale)}, body)
    assert not verify(secret, {"X-Webhook-Signature": sign(now)}, body)
