"""RFC 9497 Appendix A.1.1 vectors through the page's OPRF module (vendored @noble/curves) in Chromium."""

from __future__ import annotations

import uuid

import pytest

from tests.core.oprf_vectors import KEY_INFO, SEED, SK_SM, VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# noble draws a blind as 1 + (little-endian(rng(48)) mod (order - 1)); these 48 bytes make it the RFC's.
ORDER = 2**252 + 27742317777372353535851937790883648493


def rng_bytes_for(blind_hex: str) -> str:
    value = int.from_bytes(bytes.fromhex(blind_hex), "little") - 1
    assert 0 <= value < ORDER - 1
    return value.to_bytes(48, "little").hex()


CHECK = """
async ([vectors, seed, keyInfo]) => {
  const m = await import("/static/gateway/js/oprf.js");
  const { bytesToHex, hexToBytes } = await import("/static/vendor/noble.js");
  const keys = m.oprfDeriveKeyPair(hexToBytes(seed), hexToBytes(keyInfo));
  const results = [];
  for (const v of vectors) {
    const input = hexToBytes(v.Input);
    const fixed = hexToBytes(v.rng);
    const { blind, blinded } = m.oprfBlind(input, (n) => fixed.slice(0, n));
    const evaluated = m.oprfBlindEvaluate(keys.secretKey, blinded);
    results.push({
      Blind: bytesToHex(blind),
      BlindedElement: bytesToHex(blinded),
      EvaluationElement: bytesToHex(evaluated),
      Output: bytesToHex(m.oprfFinalize(input, blind, evaluated)),
    });
  }
  return { secretKey: bytesToHex(keys.secretKey), results };
}
"""


def test_rfc_9497_oprf_vectors_pass_in_the_page(new_page, live_server):
    page = new_page()
    # Any page of ours: the module is then loaded same-origin, under the gateway's CSP.
    page.goto(f"{live_server.url}/gateway/c/{uuid.uuid4()}/x")
    vectors = [{**v, "rng": rng_bytes_for(v["Blind"])} for v in VECTORS]
    got = page.evaluate(CHECK, [vectors, SEED, KEY_INFO])
    assert got["secretKey"] == SK_SM
    for vector, result in zip(VECTORS, got["results"], strict=True):
        for field in ("Blind", "BlindedElement", "EvaluationElement", "Output"):
            assert result[field] == vector[field], field


def test_the_page_refuses_an_evaluation_that_is_not_a_group_element(new_page, live_server):
    page = new_page()
    page.goto(f"{live_server.url}/gateway/c/{uuid.uuid4()}/x")
    message = page.evaluate(
        """async () => {
          const m = await import("/static/gateway/js/oprf.js");
          const input = new TextEncoder().encode("480317");
          const { blind } = m.oprfBlind(input);
          try { m.oprfFinalize(input, blind, new Uint8Array(32).fill(255)); return "accepted"; }
          catch (e) { return "refused"; }
        }"""
    )
    assert message == "refused"
