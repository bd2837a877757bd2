"""The server's OPRF (core/oprf.py) and its key interface (core/keys.py)."""

import pytest
from django.test import override_settings

from core import oprf
from core.keys import EnvironmentOprfKeyProvider, UnknownOprfKeyVersion

from .oprf_vectors import KEY_INFO, SEED, SK_SM, VECTORS

KEY_A = "1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
KEY_AB = KEY_A + ",2:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="


def test_derive_key_pair_matches_rfc_9497_appendix_a_1_1():
    secret_key, public_key = oprf.derive_key_pair(bytes.fromhex(SEED), bytes.fromhex(KEY_INFO))
    assert secret_key.hex() == SK_SM
    assert len(public_key) == 32


@pytest.mark.parametrize("vector", VECTORS, ids=["vector1", "vector2"])
def test_rfc_9497_appendix_a_1_1_oprf_mode_vectors(vector):
    secret_key = bytes.fromhex(SK_SM)
    input_ = bytes.fromhex(vector["Input"])
    blind, blinded = oprf.blind(input_, blind_scalar=bytes.fromhex(vector["Blind"]))
    assert blinded.hex() == vector["BlindedElement"]
    evaluated = oprf.blind_evaluate(secret_key, blinded)
    assert evaluated.hex() == vector["EvaluationElement"]
    assert oprf.finalize(input_, blind, evaluated).hex() == vector["Output"]
    assert oprf.evaluate(secret_key, input_).hex() == vector["Output"]


def test_a_random_blind_gives_the_same_output_and_an_unrelated_blinded_element():
    secret_key = bytes.fromhex(SK_SM)
    first_blind, first = oprf.blind(b"123905")
    second_blind, second = oprf.blind(b"123905")
    assert first != second
    out1 = oprf.finalize(b"123905", first_blind, oprf.blind_evaluate(secret_key, first))
    out2 = oprf.finalize(b"123905", second_blind, oprf.blind_evaluate(secret_key, second))
    assert out1 == out2 == oprf.evaluate(secret_key, b"123905")
    assert out1 != oprf.evaluate(secret_key, b"123906")


@pytest.mark.parametrize(
    "element",
    [
        bytes(32),  # the identity
        b"\xff" * 32,  # not canonical
        bytes.fromhex(VECTORS[0]["BlindedElement"])[:31],  # short
        bytes([1]) + bytes(31),  # a non-canonical (odd) encoding
    ],
    ids=["identity", "non-canonical", "short", "odd"],
)
def test_an_invalid_blinded_element_is_refused(element):
    with pytest.raises(oprf.InvalidElement):
        oprf.blind_evaluate(bytes.fromhex(SK_SM), element)


def test_expand_message_xmd_sha512_matches_rfc_9380_appendix_k_3():
    # RFC 9380 K.3, expand_message_xmd(SHA-512), DST "QUUX-V01-CS02-with-expander-SHA512-256".
    dst = b"QUUX-V01-CS02-with-expander-SHA512-256"
    assert oprf.expand_message_xmd(b"abcdef0123456789", dst, 32).hex() == (
        "087e45a86e2939ee8b91100af1583c4938e0f5fc6c9db4b107b83346bc967f58"
    )


@override_settings(OPRF_MASTER_KEY=KEY_AB)
def test_provider_keys_differ_per_customer_purpose_and_version():
    provider = EnvironmentOprfKeyProvider()
    assert provider.active_version() == 2
    _, blinded = oprf.blind(b"482913")

    def ev(version, customer, purpose):
        return provider.blind_evaluate(
            version=version, customer_id=customer, purpose=purpose, blinded_element=blinded
        )

    base = ev(2, "c1", "pin")
    assert ev(2, "c1", "pin") == base
    assert len({base, ev(2, "c2", "pin"), ev(2, "c1", "questions"), ev(1, "c1", "pin")}) == 4
    with pytest.raises(UnknownOprfKeyVersion):
        ev(3, "c1", "pin")
    with pytest.raises(oprf.InvalidElement):
        provider.blind_evaluate(version=2, customer_id="c1", purpose="pin", blinded_element=bytes(32))
