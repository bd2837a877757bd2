"""A Python mirror of static/gateway/js/wallet.js (the page's half of the key scheme), for tests only.

The server never runs this: it needs the shard and holds u and k_i. Tests use it to play the
page (U, its proof, the confirmations) and to check the page's keys against known vectors.
Scalar sums are plain integers mod n; every point and signature comes from coincurve.
"""

from __future__ import annotations

import hashlib
import hmac

from coincurve import PrivateKey
from coincurve.utils import GROUP_ORDER_INT as N
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF

from wallets import keys


def user_share(shard: bytes) -> int:
    okm = HKDF(shard, 48, salt=b"", hashmod=SHA256, context=b"og/v1/secp256k1-user-share")
    return int.from_bytes(okm, "big") % (N - 1) + 1


def user_public(u: int) -> bytes:
    return PrivateKey(u.to_bytes(32, "big")).public_key.format(compressed=True)


def pok(u: int, *, challenge_id: object, customer_id: object) -> tuple[bytes, bytes]:
    """(U, BIP-340 proof) as the page sends them."""
    public = user_public(u)
    message = keys.pok_message(challenge_id=challenge_id, customer_id=customer_id, user_public=public)
    return public, PrivateKey(u.to_bytes(32, "big")).sign_schnorr(message)


def tweak(v: bytes, index: int) -> int:
    key = HKDF(v, 32, salt=b"", hashmod=SHA256, context=b"og/v1/wallet-tweak")
    return int.from_bytes(hmac.new(key, b"og/v1/wallet/%d" % index, hashlib.sha256).digest(), "big") % N


def wallet_key(u: int, v: bytes, index: int) -> bytes:
    """k_i = u + v + t_i mod n, as 32 bytes."""
    return ((u + int.from_bytes(v, "big") + tweak(v, index)) % N).to_bytes(32, "big")


def confirm(k: bytes, *, challenge_id: object, address: str) -> bytes:
    """r ‖ s ‖ recid over the confirmation digest, as the page sends it."""
    digest = keys.confirm_digest(challenge_id=challenge_id, address=address)
    return PrivateKey(k).sign_recoverable(digest, hasher=None)
