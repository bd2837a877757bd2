// Client half of RFC 9497 OPRF(ristretto255, SHA-512), mode 0x00 (PIN scheme v2), from the vendored,
// audited @noble/curves (static/vendor/noble-pin.js): no curve or hash code of our own.
// The page blinds the PIN (or joined answers), the server multiplies the blinded element by a key
// only it holds, and the page unblinds and finalises. The blinded element is uniformly random
// whatever the PIN, so it tells the server (and anyone reading the traffic) nothing about it.
import { ristretto255_oprf } from "../../vendor/noble-pin.js";

const suite = ristretto255_oprf.oprf;
const enc = new TextEncoder();

// What goes into the OPRF for a PIN or for the joined, normalised answers.
export function oprfInput(secretText) {
  return enc.encode(secretText);
}

// -> { blind (keep in memory only), blinded (send) }. `rng` is for test vectors only.
export function oprfBlind(input, rng) {
  const { blind, blinded } = rng ? suite.blind(input, rng) : suite.blind(input);
  return { blind, blinded };
}

// Output = Hash(len(input) ‖ input ‖ len(N) ‖ N ‖ "Finalize") with N = blind⁻¹ · evaluated (64 bytes).
// Throws on an evaluated element that is not a valid ristretto255 encoding.
export function oprfFinalize(input, blind, evaluated) {
  return suite.finalize(input, blind, evaluated);
}

// The server's side, exposed only so the page test can check RFC 9497 vectors end to end.
export function oprfBlindEvaluate(secretKey, blinded) {
  return suite.blindEvaluate(secretKey, blinded);
}

export function oprfDeriveKeyPair(seed, keyInfo) {
  return suite.deriveKeyPair(seed, keyInfo);
}
