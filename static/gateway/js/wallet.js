// The page's half of the wallet key scheme (docs/architecture.md "Key scheme, and why"; server: wallets/keys.py).
// All curve and hash work is the vendored, audited @noble code; this module only names inputs.
// u, k_i and the shard never leave this module's callers' memory: only U, proofs, addresses and
// signatures are sent. Callers wipe() the scalars they are done with.
import {
  secp256k1, schnorr, hkdf, hmac, sha256, keccak_256, mapHashToField, concatBytes, bytesToHex,
  hexToBytes, utf8ToBytes,
} from "../../vendor/noble-wallet.js";

const Fn = secp256k1.Point.Fn;
const enc = (text) => utf8ToBytes(text);

export function wipe(...arrays) {
  for (const a of arrays) if (a instanceof Uint8Array) a.fill(0);
}

// u = HKDF-SHA256(shard, no salt, "og/v1/secp256k1-user-share", 48) reduced into [1, n-1].
export function userShare(shard) {
  const okm = hkdf(sha256, shard, undefined, enc("og/v1/secp256k1-user-share"), 48);
  const u = mapHashToField(okm, Fn.ORDER);
  wipe(okm);
  return u;
}

// U = u·G, SEC1 compressed.
export function userPublicKey(u) {
  return secp256k1.getPublicKey(u, true);
}

// The proof of knowledge of u: a BIP-340 signature over
// SHA-256("og/v1/user-share-pok|" challengeId "|" customerId "|" U).
export function proveUserShare(u, challengeId, customerId) {
  const U = userPublicKey(u);
  const message = sha256(concatBytes(enc(`og/v1/user-share-pok|${challengeId}|${customerId}|`), U));
  return { userPublicKey: U, proof: schnorr.sign(message, u) };
}

// t_i = HMAC-SHA256(HKDF-SHA256(v, no salt, "og/v1/wallet-tweak"), "og/v1/wallet/" i) mod n.
export function tweak(v, index) {
  const key = hkdf(sha256, v, undefined, enc("og/v1/wallet-tweak"), 32);
  const t = Fn.create(Fn.fromBytes(hmac(sha256, key, enc(`og/v1/wallet/${index}`)), true));
  wipe(key);
  return Fn.toBytes(t);
}

// k_i = u + v + t_i (mod n), 32 bytes. The server sends t_i too; it must agree with v.
export function walletKey(u, v, t) {
  const k = Fn.add(Fn.add(Fn.fromBytes(u), Fn.fromBytes(v)), Fn.fromBytes(t));
  if (Fn.is0(k)) throw new Error("zero wallet key");
  return Fn.toBytes(k);
}

// P = U + v·G, compressed: the page checks the server's joint key with it.
export function jointPublicKey(u, v) {
  const U = secp256k1.Point.fromBytes(userPublicKey(u));
  return U.add(secp256k1.Point.BASE.multiply(Fn.fromBytes(v))).toBytes(true);
}

// The lowercase EVM address of a private key: keccak256 of the uncompressed point without 0x04.
export function addressOf(k) {
  const pub = secp256k1.getPublicKey(k, false);
  return "0x" + bytesToHex(keccak_256(pub.subarray(1)).subarray(12));
}

export function sameAddress(a, b) {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}

// A recoverable ECDSA signature (RFC 6979, low-s) as r ‖ s ‖ recid.
export function signDigest(k, digest) {
  const sig = secp256k1.sign(digest, k, { prehash: false, format: "recovered", lowS: true });
  return concatBytes(sig.subarray(1), sig.subarray(0, 1));
}

// What the page signs with k_i to show the server it derived the key of `address`.
export function confirmAddress(k, challengeId, address) {
  const digest = sha256(enc(`og/v1/wallet-confirm|${challengeId}|${address.toLowerCase()}`));
  return signDigest(k, digest);
}

export { bytesToHex, hexToBytes };
