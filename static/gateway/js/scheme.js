// The shard scheme (docs/architecture.md "Key scheme, and why"), with WebCrypto (and, for v2, oprf.js).
// Nothing in this module talks to the network: callers send authKey / wrapped copies themselves.
// v1: m = PBKDF2(PIN, salt). v2: m = PBKDF2(OPRF output, salt), the OPRF output coming from
// oprf.js and the server's evaluation; everything after m is the same in both.
import { oprfFinalize } from "./oprf.js";

export const SCHEME_V1 = 1;
export const SCHEME_V2 = 2;
export const SCHEME_VERSION = SCHEME_V2; // new PIN and answer copies; email copies stay v1 (no KDF)
export const PBKDF2_ITERATIONS = 600000;
const HKDF_SALT = new TextEncoder().encode("onboarding-gateway/shard/v1");
const enc = new TextEncoder();

export function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromB64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function newShard() {
  return randomBytes(32);
}

// Associated data of every wrapped copy: customer id, scheme version and which copy it is.
export function shardAad(customerId, kind, version = SCHEME_VERSION) {
  return enc.encode(`onboarding-gateway|${customerId}|v${version}|${kind}`);
}

async function hkdf(ikm, info) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: enc.encode(info) }, key, 256);
  return new Uint8Array(bits);
}

// m = PBKDF2-SHA256(secret, salt, 600 000); authKey and pinKey are split from m by HKDF.
// `secret` is the PIN or joined answers (v1, text) or the 64-byte OPRF output (v2, bytes).
export async function deriveKeys(secret, salt) {
  const raw = typeof secret === "string" ? enc.encode(secret) : secret;
  const base = await crypto.subtle.importKey("raw", raw, "PBKDF2", false, ["deriveBits"]);
  const m = new Uint8Array(await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: PBKDF2_ITERATIONS }, base, 256));
  return { authKey: await hkdf(m, "og/v1/auth-key"), pinKey: await hkdf(m, "og/v1/pin-key") };
}

// wrapKey = HKDF(pinKey ‖ s): without the server's s, the PIN alone opens nothing.
export async function wrapKey(pinKey, secret) {
  const ikm = new Uint8Array(pinKey.length + secret.length);
  ikm.set(pinKey, 0);
  ikm.set(secret, pinKey.length);
  const raw = await hkdf(ikm, "og/v1/wrap-key");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function rawAesKey(bytes) {
  return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
}

// iv (12) ‖ ciphertext ‖ tag (16)
export async function wrapShard(key, shard, aad) {
  const iv = randomBytes(12);
  const ct = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad, tagLength: 128 }, key, shard));
  const out = new Uint8Array(12 + ct.length);
  out.set(iv, 0);
  out.set(ct, 12);
  return out;
}

// Throws (OperationError) when the copy was altered: the AES-GCM tag does not match.
export async function unwrapShard(key, wrapped, aad) {
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: wrapped.slice(0, 12), additionalData: aad, tagLength: 128 },
    key, wrapped.slice(12));
  return new Uint8Array(pt);
}

// The whole unwrap of one copy from its secret (v1: the PIN or joined answers; v2: their OPRF output).
export async function unwrapWithSecret({ secretText, salt, serverSecret, wrapped, customerId, kind, version }) {
  const { pinKey } = await deriveKeys(secretText, salt);
  return unwrapShard(await wrapKey(pinKey, serverSecret), wrapped, shardAad(customerId, kind, version));
}

// Scheme v2: the shard wrapped under a secret text, from the server's evaluation of its blinded
// element and the pending salt and s -> { authKey, wrappedShard } (base64url) to send.
export async function sealCopy({ input, blind, material, shard, customerId, kind }) {
  const output = oprfFinalize(input, blind, fromB64url(material.evaluatedElement));
  const keys = await deriveKeys(output, fromB64url(material.salt));
  const key = await wrapKey(keys.pinKey, fromB64url(material.secret));
  const wrapped = await wrapShard(key, shard, shardAad(customerId, kind, SCHEME_V2));
  return { authKey: b64url(keys.authKey), wrappedShard: b64url(wrapped) };
}
