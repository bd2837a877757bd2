"""A Python mirror of static/gateway/js/scheme.js and normalize.js, for tests only.

The server never runs this: it lets tests build valid proofs and copies, and read back the
shard a browser made, to check the browser and the server agree byte for byte.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from functools import cache

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF

SCHEME_VERSION = 1
ITERATIONS = 600_000
HKDF_SALT = b"onboarding-gateway/shard/v1"


def _hkdf(ikm: bytes, info: str) -> bytes:
    return HKDF(ikm, 32, salt=HKDF_SALT, hashmod=SHA256, context=info.encode())


@cache
def derive_keys(secret_text: str, salt: bytes) -> tuple[bytes, bytes]:
    """(authKey, pinKey) from a PIN or joined answers."""
    m = hashlib.pbkdf2_hmac("sha256", secret_text.encode(), salt, ITERATIONS, 32)
    return _hkdf(m, "og/v1/auth-key"), _hkdf(m, "og/v1/pin-key")


def wrap_key(pin_key: bytes, secret: bytes) -> bytes:
    return _hkdf(pin_key + secret, "og/v1/wrap-key")


def shard_aad(customer_id: object, kind: str) -> bytes:
    return f"onboarding-gateway|{customer_id}|v{SCHEME_VERSION}|{kind}".encode()


def wrap_shard(key: bytes, shard: bytes, aad: bytes) -> bytes:
    iv = secrets.token_bytes(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=16)
    cipher.update(aad)
    ct, tag = cipher.encrypt_and_digest(shard)
    return iv + ct + tag


def unwrap_shard(key: bytes, wrapped: bytes, aad: bytes) -> bytes:
    cipher = AES.new(key, AES.MODE_GCM, nonce=wrapped[:12], mac_len=16)
    cipher.update(aad)
    return cipher.decrypt_and_verify(wrapped[12:-16], wrapped[-16:])


def normalize_answer(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).upper().lower().replace("ς", "σ")
    return " ".join(part for part in re.split(r"[\s\ufeff]+", unicodedata.normalize("NFKC", folded)) if part)


def answers_secret(answers: list[str]) -> str:
    return "\n".join(normalize_answer(a) for a in answers)
