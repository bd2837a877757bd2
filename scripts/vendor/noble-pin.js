// What every gateway page's PIN step uses from the audited @noble libraries, bundled by
// scripts/vendor-build into static/vendor/noble-pin.js: ristretto255 with hash-to-curve and the
// RFC 9497 OPRF (scheme v2 of the PIN hardening). Nothing here implements crypto: it only
// re-exports. The wallet pages' secp256k1 code is in noble-wallet.js, loaded only by them; what
// both share is one chunk (noble-shared-<hash>.js) built by esbuild's code splitting.
export { ristretto255, ristretto255_hasher, ristretto255_oprf } from "@noble/curves/ed25519.js";
export { sha512 } from "@noble/hashes/sha2.js";
export { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
