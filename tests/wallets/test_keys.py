"""The key scheme: the server's addresses are the addresses of the keys the page derives."""

import pytest
from coincurve import PrivateKey
from eth_account import Account
from eth_account.messages import encode_defunct

from wallets import keys

from . import key_mirror as km

# Fixed inputs and the addresses they must give (pinned once; the browser test checks that the
# page's JavaScript derives the same u, k_i and address from the same inputs).
SHARD = bytes(range(32))
V = bytes.fromhex("7f" * 31 + "01")
VECTORS = {
    "u": "d73f62120293c57dba5e31a778b887eddf400adf4e4e6e933180762c1f70866f",
    "P": "038e5613179d5574d24ad4895ca00cc609ed486b0794329327a5ce522764374a21",
    "t0": "9bb27928461f0fb698d969c321af5dd189e73e3e7444e4b26deac73c0d98b7cb",
    "address0": "0x290e7F9780CA22733f3C279d1C904F67Ed5D6b0B",
    "address1": "0x827bD21709e3F2e5415825D2f69D472c18F276F1",
}


def test_a_well_known_key_gives_its_well_known_address():
    # Private key 1 is G itself; its address is published in every Ethereum tool's tests.
    assert (
        keys.evm_address(keys.public_of((1).to_bytes(32, "big")))
        == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    )


def test_user_share_is_in_range_and_deterministic():
    u = keys.user_share(SHARD)
    assert 1 <= u < keys.N and u == km.user_share(SHARD)
    assert keys.user_share(bytes(32)) != u


@pytest.mark.parametrize("index", [0, 1, 2, 41])
def test_server_address_is_the_address_of_k_i(index):
    u = keys.user_share(SHARD)
    joint = keys.joint_public_key(km.user_public(u), V)
    k_i = km.wallet_key(u, V, index)
    expected = Account.from_key(k_i).address
    assert keys.wallet_address(joint, V, index) == expected
    # and a signature by k_i recovers, through eth-account, to that address
    message = encode_defunct(text=f"wallet {index}")
    signed = Account.sign_message(message, private_key=k_i)
    assert Account.recover_message(message, signature=signed.signature) == expected


def test_indexes_give_different_addresses_and_one_key_reveals_no_other():
    u = keys.user_share(SHARD)
    joint = keys.joint_public_key(km.user_public(u), V)
    addresses = {keys.wallet_address(joint, V, i) for i in range(20)}
    assert len(addresses) == 20
    # k_1 - k_0 = t_1 - t_0, which without v (the tweak key) is not computable: check the tweaks
    # are keyed by v, i.e. another v gives other tweaks for the same index.
    assert keys.tweak(V, 0) != keys.tweak(bytes.fromhex("01" * 32), 0)


def test_pinned_vectors():
    u = keys.user_share(SHARD)
    joint = keys.joint_public_key(km.user_public(u), V)
    got = {
        "u": u.to_bytes(32, "big").hex(),
        "P": joint.hex(),
        "t0": keys.tweak(V, 0).hex(),
        "address0": keys.wallet_address(joint, V, 0),
        "address1": keys.wallet_address(joint, V, 1),
    }
    assert got == VECTORS


def test_proof_of_knowledge_is_bound_to_challenge_customer_and_key():
    u = keys.user_share(SHARD)
    public, proof = km.pok(u, challenge_id="c1", customer_id="k1")
    assert keys.pok_valid(proof=proof, challenge_id="c1", customer_id="k1", user_public=public)
    assert not keys.pok_valid(proof=proof, challenge_id="c2", customer_id="k1", user_public=public)
    assert not keys.pok_valid(proof=proof, challenge_id="c1", customer_id="k2", user_public=public)
    other = km.user_public(u + 1)
    assert not keys.pok_valid(proof=proof, challenge_id="c1", customer_id="k1", user_public=other)
    # the negated point has the same x: its proof must not pass for U (parity is in the message)
    negated = bytes([public[0] ^ 1]) + public[1:]
    assert not keys.pok_valid(proof=proof, challenge_id="c1", customer_id="k1", user_public=negated)
    assert not keys.pok_valid(
        proof=proof[:-1] + bytes([proof[-1] ^ 1]), challenge_id="c1", customer_id="k1", user_public=public
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00",
        bytes(33),
        b"\x02" + b"\xff" * 32,
        b"\x04" + bytes(32),
        b"\x02" + bytes(31) + b"\x07" + b"\x00",
    ],
)
def test_points_that_are_not_points_are_refused(raw):
    with pytest.raises(keys.InvalidPoint):
        keys.point(raw)


def test_confirmation_recovers_only_to_the_signing_key():
    k = PrivateKey().secret
    address = keys.evm_address(keys.public_of(k))
    sig = km.confirm(k, challenge_id="c1", address=address)
    assert keys.confirm_signer(signature=sig, challenge_id="c1", address=address) == address
    assert keys.confirm_signer(signature=sig, challenge_id="c2", address=address) != address
    assert keys.confirm_signer(signature=b"\x00" * 65, challenge_id="c1", address=address) is None
    assert keys.confirm_signer(signature=sig[:64] + b"\x09", challenge_id="c1", address=address) is None
