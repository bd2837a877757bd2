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

from core import oprf

SCHEME_VERSION = 1
SCHEME_V2 = 2
ITERATIONS = 600_000
HKDF_SALT = b"onboarding-gateway/shard/v1"


def _hkdf(ikm: bytes, info: str) -> bytes:
    key = HKDF(ikm, 32, salt=HKDF_SALT, hashmod=SHA256, context=info.encode())
    if not isinstance(key, bytes):  # a tuple only for num_keys > 1
        raise TypeError("HKDF returned several keys")
    return key


@cache
def derive_keys(secret: str | bytes, salt: bytes) -> tuple[bytes, bytes]:
    """(authKey, pinKey) from a PIN or joined answers (v1) or from the OPRF output (v2)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    m = hashlib.pbkdf2_hmac("sha256", raw, salt, ITERATIONS, 32)
    return _hkdf(m, "og/v1/auth-key"), _hkdf(m, "og/v1/pin-key")


def wrap_key(pin_key: bytes, secret: bytes) -> bytes:
    return _hkdf(pin_key + secret, "og/v1/wrap-key")


def shard_aad(customer_id: object, kind: str, version: int = SCHEME_VERSION) -> bytes:
    return f"onboarding-gateway|{customer_id}|v{version}|{kind}".encode()


def oprf_blind(secret_text: str) -> tuple[bytes, bytes]:
    """(blind, blindedElement) of the page's oprf.js, through the server's RFC 9497 code."""
    return oprf.blind(secret_text.encode())


def oprf_output(secret_text: str, blind: bytes, evaluated: bytes) -> bytes:
    return oprf.finalize(secret_text.encode(), blind, evaluated)


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


def server_oprf_output(
    customer_id: object, purpose: str, secret_text: str, version: int | None = None
) -> bytes:
    """F(k, secret text) as a page gets it from the server (blind, the key provider evaluates,
    finalise). Tests only: it needs OPRF_MASTER_KEY, which is the point of scheme v2."""
    from core.keys import oprf_key_provider

    provider = oprf_key_provider()
    version = provider.active_version() if version is None else version
    blind, blinded = oprf_blind(secret_text)
    evaluated = provider.blind_evaluate(
        version=version, customer_id=str(customer_id), purpose=purpose, blinded_element=blinded
    )
    return oprf_output(secret_text, blind, evaluated)


def open_copy(*, record, customer_id: object, kind: str, secret_text: str, secret: bytes) -> bytes:
    """The shard of a stored PIN or answers copy, v1 or v2, from its secret text and its `s`."""
    purpose = "pin" if kind == "pin" else "questions"
    if record.scheme_version == SCHEME_V2:
        base: str | bytes = server_oprf_output(customer_id, purpose, secret_text, record.oprf_key_version)
    else:
        base = secret_text
    _, key = derive_keys(base, bytes(record.salt))
    aad = shard_aad(customer_id, kind, record.scheme_version)
    return unwrap_shard(wrap_key(key, secret), bytes(record.wrapped_shard), aad)
