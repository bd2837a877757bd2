// What the wallet pages use from the audited @noble libraries, bundled by scripts/vendor-build into
// static/vendor/noble-wallet.js. Nothing here implements crypto: it only re-exports. Add an export here
// (then `make vendor`) when a page needs another primitive; never copy curve or hash code into the repo.

// secp256k1: ECDSA with RFC 6979 nonces and low-s (sign, verify, getPublicKey, recoverPublicKey via
// format "recovered"), the projective point (v2 calls it `Point`; `ProjectivePoint` kept as an alias
// for readers of the 1.x docs) and the scalar field helpers.
export { secp256k1, schnorr } from "@noble/curves/secp256k1.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
export const ProjectivePoint = secp256k1.Point;
// Hash output -> scalar in [1, n-1] ((int % (n-1)) + 1), as FIPS 186-5 A.2.1 does for key pairs.
export { mapHashToField } from "@noble/curves/abstract/modular.js";

// Hashes and KDFs.
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { keccak_256 } from "@noble/hashes/sha3.js";
export { hkdf } from "@noble/hashes/hkdf.js";
export { hmac } from "@noble/hashes/hmac.js";
export { bytesToHex, hexToBytes, concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
