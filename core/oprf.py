"""RFC 9497 OPRF(ristretto255, SHA-512), mode 0x00, on libsodium's ristretto255 primitives.

The group arithmetic (hash-to-group map, scalar multiplication, scalar reduction and
inversion, element decoding) is libsodium's, reached through pysodium (PyNaCl does not
expose libsodium's ristretto255 functions). The only construction composed here is
expand_message_xmd (RFC 9380 section 5.3.1) over hashlib's SHA-512, which RFC 9497 names
for HashToGroup and HashToScalar; the RFC 9497 Appendix A.1.1 vectors check it end to end
(tests/core/test_oprf.py).

The server uses `derive_key_pair` and `blind_evaluate`; `blind`, `finalize` and `evaluate`
are the client's half, used by tests and by the Python mirror of the page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pysodium

MODE_OPRF = 0x00
IDENTIFIER = b"ristretto255-SHA512"
CONTEXT_STRING = b"OPRFV1-" + bytes([MODE_OPRF]) + b"-" + IDENTIFIER
HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT_STRING
HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT_STRING
DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT_STRING

ELEMENT_BYTES = 32  # Ne
SCALAR_BYTES = 32  # Ns
OUTPUT_BYTES = 64  # Nh
_IDENTITY = bytes(ELEMENT_BYTES)
_SHA512_BLOCK = 128


class InvalidElement(ValueError):
    """Bytes that are not the canonical encoding of a non-identity ristretto255 element."""


class DeriveKeyPairError(ValueError):
    """RFC 9497 section 3.2.1: no non-zero scalar within 256 tries (practically never)."""


def _i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (b_in_bytes 64, s_in_bytes 128)."""
    if len(dst) > 255:
        dst = hashlib.sha512(b"H2C-OVERSIZE-DST-" + dst).digest()
    ell = -(-length // 64)
    if ell > 255 or length > 65535:
        raise ValueError("expand_message_xmd: requested length too large")
    dst_prime = dst + _i2osp(len(dst), 1)
    b0 = hashlib.sha512(bytes(_SHA512_BLOCK) + msg + _i2osp(length, 2) + b"\x00" + dst_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + _i2osp(i, 1) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(msg: bytes, *, dst: bytes = HASH_TO_GROUP_DST) -> bytes:
    """hash_to_ristretto255 (RFC 9380 / RFC 9496): 64 uniform bytes through libsodium's map."""
    return pysodium.crypto_core_ristretto255_from_hash(expand_message_xmd(msg, dst, 64))


def hash_to_scalar(msg: bytes, *, dst: bytes = HASH_TO_SCALAR_DST) -> bytes:
    return pysodium.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(msg, dst, 64))


def deserialize_element(data: bytes) -> bytes:
    """DeserializeElement of RFC 9497 section 4.1: canonical, and not the identity."""
    if not isinstance(data, bytes | bytearray) or len(data) != ELEMENT_BYTES:
        raise InvalidElement("not a 32-byte element")
    data = bytes(data)
    if hmac.compare_digest(data, _IDENTITY) or not pysodium.crypto_core_ristretto255_is_valid_point(data):
        raise InvalidElement("not a valid non-identity ristretto255 element")
    return data


def _nonzero_scalar(scalar: bytes) -> bool:
    return not hmac.compare_digest(scalar, bytes(SCALAR_BYTES))


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """RFC 9497 section 3.2.1 DeriveKeyPair: (skS, pkS)."""
    if len(info) > 65535:
        raise ValueError("info too long")
    derive_input = seed + _i2osp(len(info), 2) + info
    for counter in range(256):
        sk = hash_to_scalar(derive_input + _i2osp(counter, 1), dst=DERIVE_KEY_PAIR_DST)
        if _nonzero_scalar(sk):
            return sk, pysodium.crypto_scalarmult_ristretto255_base(sk)
    raise DeriveKeyPairError("DeriveKeyPair found no non-zero scalar")


def blind_evaluate(secret_key: bytes, blinded_element: bytes) -> bytes:
    """Server: EvaluationElement = skS * BlindedElement (the input is checked first)."""
    element = deserialize_element(blinded_element)
    try:
        return pysodium.crypto_scalarmult_ristretto255(secret_key, element)
    except ValueError as exc:  # libsodium refuses a product that is the identity
        raise InvalidElement("evaluation is the identity") from exc


def random_scalar() -> bytes:
    while True:
        scalar = pysodium.crypto_core_ristretto255_scalar_reduce(secrets.token_bytes(64))
        if _nonzero_scalar(scalar):
            return scalar


def blind(input_: bytes, *, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """Client: (blind, BlindedElement). A fixed `blind_scalar` is for test vectors only."""
    r = blind_scalar if blind_scalar is not None else random_scalar()
    input_element = hash_to_group(input_)
    if hmac.compare_digest(input_element, _IDENTITY):
        raise InvalidElement("input maps to the identity")
    return r, pysodium.crypto_scalarmult_ristretto255(r, input_element)


def _finalize_hash(input_: bytes, unblinded: bytes) -> bytes:
    return hashlib.sha512(
        _i2osp(len(input_), 2) + input_ + _i2osp(len(unblinded), 2) + unblinded + b"Finalize"
    ).digest()


def finalize(input_: bytes, blind_scalar: bytes, evaluation_element: bytes) -> bytes:
    """Client: Output = Hash(len(input) ‖ input ‖ len(N) ‖ N ‖ "Finalize"), N = blind⁻¹ · Z."""
    element = deserialize_element(evaluation_element)
    inverse = pysodium.crypto_core_ristretto255_scalar_invert(blind_scalar)
    return _finalize_hash(input_, pysodium.crypto_scalarmult_ristretto255(inverse, element))


def evaluate(secret_key: bytes, input_: bytes) -> bytes:
    """Non-interactive Evaluate (RFC 9497 section 3.3.1): what only a holder of skS can compute."""
    input_element = hash_to_group(input_)
    return _finalize_hash(input_, pysodium.crypto_scalarmult_ristretto255(secret_key, input_element))
