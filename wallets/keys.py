"""The wallet key scheme (docs/architecture.md "Key scheme, and why"): a 2-of-2 split on secp256k1.

user share   u   = HKDF-SHA256(shard, salt = none, info "og/v1/secp256k1-user-share", 48 bytes)
                   reduced into [1, n-1] as (int_be % (n-1)) + 1 (noble's mapHashToField); the page
                   computes it, the server never sees it.
server share v   = a random scalar in [1, n-1] (coincurve), stored AES-GCM under the master key.
joint key    P   = U + v·G, where U = u·G comes from the page with a BIP-340 Schnorr signature by u
                   over pok_message(): a proof of knowledge of u bound to the challenge, the customer and U.
tweak        t_i = HMAC-SHA256(HKDF-SHA256(v, salt = none, info "og/v1/wallet-tweak"),
                   "og/v1/wallet/" ‖ decimal(i)) mod n
wallet key   k_i = u + v + t_i (mod n), public key P_i = P + t_i·G; EVM address = EIP-55 of the last
                   20 bytes of keccak256(P_i uncompressed, without its 0x04 prefix).

Points and signatures go through coincurve (libsecp256k1), keccak and EIP-55 through eth-utils;
this module only names the inputs. The browser mirror is static/gateway/js/wallet.js.
"""

from __future__ import annotations

import hashlib
import hmac

from coincurve import PrivateKey, PublicKey, PublicKeyXOnly
from coincurve.utils import GROUP_ORDER_INT as N
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from eth_utils import keccak, to_checksum_address

SCHEME_VERSION = 1
USER_SHARE_INFO = b"og/v1/secp256k1-user-share"
TWEAK_KEY_INFO = b"og/v1/wallet-tweak"
TWEAK_PREFIX = b"og/v1/wallet/"
POK_TAG = b"og/v1/user-share-pok"
CONFIRM_TAG = b"og/v1/wallet-confirm"
SCALAR_BYTES = 32
POINT_BYTES = 33  # SEC1 compressed
SCHNORR_BYTES = 64
RECOVERABLE_BYTES = 65  # r ‖ s ‖ recovery id

EVM_BLOCKCHAINS = (
    "ETH",
    "ETH-SEPOLIA",
    "MATIC",
    "MATIC-AMOY",
    "BASE",
    "BASE-SEPOLIA",
    "ARB",
    "ARB-SEPOLIA",
    "OP",
    "OP-SEPOLIA",
    "AVAX",
    "AVAX-FUJI",
    "BSC",
    "BSC-TESTNET",
)


class InvalidPoint(ValueError):
    """Bytes that are not a compressed secp256k1 point (the identity has no such encoding)."""


def _hkdf(ikm: bytes, info: bytes, length: int) -> bytes:
    # No salt: RFC 5869 then uses HashLen zero bytes, as noble's hkdf does with salt undefined.
    key = HKDF(ikm, length, salt=b"", hashmod=SHA256, context=info)
    if not isinstance(key, bytes):  # a tuple only for num_keys > 1
        raise TypeError("HKDF returned several keys")
    return key


def scalar_bytes(value: int) -> bytes:
    return value.to_bytes(SCALAR_BYTES, "big")


def user_share(shard: bytes) -> int:
    """u from the 32-byte shard (the page does this; tests use it as the reference)."""
    return int.from_bytes(_hkdf(shard, USER_SHARE_INFO, 48), "big") % (N - 1) + 1


def server_share_new() -> bytes:
    """A fresh v: libsecp256k1 accepts only scalars in [1, n-1]."""
    return PrivateKey().secret


def point(raw: bytes) -> PublicKey:
    """A compressed point from the page, refused unless it is exactly a valid one."""
    if len(raw) != POINT_BYTES or raw[0] not in (2, 3):
        raise InvalidPoint("not a compressed secp256k1 point")
    try:
        return PublicKey(raw)
    except ValueError as exc:
        raise InvalidPoint("not on the curve") from exc


def public_of(secret: bytes) -> bytes:
    return PrivateKey(secret).public_key.format(compressed=True)


def joint_public_key(user_public: bytes, server_share: bytes) -> bytes:
    """P = U + v·G, compressed. A sum at infinity (U = -v·G) is refused as an invalid point."""
    try:
        return point(user_public).add(server_share).format(compressed=True)
    except ValueError as exc:
        raise InvalidPoint("the joint key is the identity") from exc


def pok_message(*, challenge_id: object, customer_id: object, user_public: bytes) -> bytes:
    """The 32 bytes the page signs with u (BIP-340) to prove it knows u for U."""
    text = POK_TAG + b"|" + str(challenge_id).encode() + b"|" + str(customer_id).encode() + b"|"
    return hashlib.sha256(text + user_public).digest()


def pok_valid(*, proof: bytes, challenge_id: object, customer_id: object, user_public: bytes) -> bool:
    """A BIP-340 signature by u over pok_message proves knowledge of log(U) (up to sign, which
    is the same knowledge). Verified by libsecp256k1 against U's x coordinate."""
    if len(proof) != SCHNORR_BYTES:
        return False
    point(user_public)
    message = pok_message(challenge_id=challenge_id, customer_id=customer_id, user_public=user_public)
    try:
        return PublicKeyXOnly(user_public[1:]).verify(proof, message)
    except ValueError:
        return False


def tweak(server_share: bytes, index: int) -> bytes:
    """t_i as 32 bytes. A zero tweak (probability ~2^-256) is not a valid scalar: refused."""
    key = _hkdf(server_share, TWEAK_KEY_INFO, 32)
    value = int.from_bytes(hmac.new(key, TWEAK_PREFIX + str(index).encode(), hashlib.sha256).digest(), "big")
    value %= N
    if value == 0:  # pragma: no cover - 2^-256
        raise ValueError("zero tweak")
    return scalar_bytes(value)


def wallet_public_key(joint_public: bytes, server_share: bytes, index: int) -> bytes:
    """P_i = P + t_i·G, uncompressed (65 bytes)."""
    return point(joint_public).add(tweak(server_share, index)).format(compressed=False)


def evm_address(public_key: bytes) -> str:
    """EIP-55 address of a public key in any SEC1 form."""
    uncompressed = PublicKey(public_key).format(compressed=False)
    return to_checksum_address(keccak(uncompressed[1:])[-20:])


def wallet_address(joint_public: bytes, server_share: bytes, index: int) -> str:
    return evm_address(wallet_public_key(joint_public, server_share, index))


def confirm_digest(*, challenge_id: object, address: str) -> bytes:
    """What the page signs with k_i to show the server it derived the key of `address`."""
    return hashlib.sha256(CONFIRM_TAG + b"|" + f"{challenge_id}|{address.lower()}".encode()).digest()


def confirm_signer(*, signature: bytes, challenge_id: object, address: str) -> str | None:
    """The EIP-55 address whose key made `signature` (r ‖ s ‖ recid) over confirm_digest, or None."""
    if len(signature) != RECOVERABLE_BYTES or signature[64] > 3:
        return None
    digest = confirm_digest(challenge_id=challenge_id, address=address)
    try:
        public = PublicKey.from_signature_and_message(signature, digest, hasher=None)
    except ValueError:
        return None
    return evm_address(public.format(compressed=False))
