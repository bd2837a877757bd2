"""Server-side cryptography: versioned AES-256-GCM envelopes, keyed hashes, link tokens.

Master keys come from settings.MASTER_KEYS ("version:base64key,..."). Each purpose
gets its own subkey (HKDF-SHA256 over the master key with the purpose as info), so a
ciphertext made for one purpose never opens under another.
"""

import base64
import hashlib
import hmac
import secrets
from functools import cache

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A ciphertext failed authentication, or names a key version we do not have."""


@cache
def parse_key_ring(raw: str, *, name: str = "MASTER_KEYS") -> dict[int, bytes]:
    """Parse "version:base64key,..." (keys of at least 32 bytes); the highest version is active."""
    keys: dict[int, bytes] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        version, _, b64 = part.partition(":")
        try:
            key = base64.b64decode(b64, validate=True)
            number = int(version)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be 'version:base64key,...'") from exc
        if len(key) < 32 or not 0 < number < 65536:
            raise ImproperlyConfigured(f"each key of {name} must be at least 32 bytes, version 1-65535")
        keys[number] = key
    if not keys:
        raise ImproperlyConfigured(f"{name} is empty")
    return keys


def master_keys() -> dict[int, bytes]:
    return parse_key_ring(settings.MASTER_KEYS)


def active_key_version() -> int:
    return max(master_keys())


@cache
def _subkey(master: bytes, purpose: str) -> bytes:
    key = HKDF(master, 32, salt=b"onboarding-gateway/v1", hashmod=SHA256, context=purpose.encode())
    if not isinstance(key, bytes):  # a tuple only for num_keys > 1
        raise TypeError("HKDF returned several keys")
    return key


def encrypt(plaintext: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
    """AES-256-GCM under the active master key: version(2) ‖ nonce(12) ‖ tag(16) ‖ ct."""
    version = active_key_version()
    key = _subkey(master_keys()[version], purpose)
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return version.to_bytes(2, "big") + nonce + tag + ciphertext


def decrypt(blob: bytes, *, purpose: str, aad: bytes = b"") -> bytes:
    blob = bytes(blob)
    if len(blob) < 2 + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    version = int.from_bytes(blob[:2], "big")
    master = master_keys().get(version)
    if master is None:
        raise DecryptionError("unknown key version")
    nonce = blob[2 : 2 + NONCE_BYTES]
    tag = blob[2 + NONCE_BYTES : 2 + NONCE_BYTES + TAG_BYTES]
    cipher = AES.new(_subkey(master, purpose), AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
    cipher.update(aad)
    try:
        return cipher.decrypt_and_verify(blob[2 + NONCE_BYTES + TAG_BYTES :], tag)
    except ValueError as exc:
        raise DecryptionError("authentication failed") from exc


def key_version_of(blob: bytes) -> int:
    return int.from_bytes(bytes(blob)[:2], "big")


@cache
def _pepper_bytes(raw: str) -> bytes:
    try:
        value = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("PEPPER must be base64") from exc
    if len(value) < 32:
        raise ImproperlyConfigured("PEPPER must be at least 32 bytes")
    return value


def parse_pepper(raw: str) -> bytes:
    """PEPPER's bytes; ImproperlyConfigured unless it is base64 of at least 32 bytes."""
    return _pepper_bytes(raw)


def peppered_hmac(data: bytes, *, purpose: str, digest: str = "sha256") -> bytes:
    """HMAC(pepper-derived key for `purpose`, data). The pepper lives outside the database."""
    return hmac.new(_purpose_key(settings.PEPPER, purpose), data, digest).digest()


@cache
def _purpose_key(pepper: str, purpose: str) -> bytes:
    """The key of `purpose`, derived from the pepper once per process (and per pepper)."""
    return hmac.new(_pepper_bytes(pepper), purpose.encode(), hashlib.sha256).digest()


def constant_time_equal(a: bytes | str, b: bytes | str) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
