"""Webhook secrets and signatures: HMAC-SHA256(secret, timestamp + "." + raw body)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def secret_generate() -> str:
    """256 random bits, shown to the integrator once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_header(*, secrets_: list[str], timestamp: str, body: bytes) -> str:
    """One signature per live secret (two during a rotation), newest first, comma-separated."""
    return ",".join(signature(secret=s, timestamp=timestamp, body=body) for s in secrets_)
