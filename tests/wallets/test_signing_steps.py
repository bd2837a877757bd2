"""The SIGN_* and EXPORT_PRIVATE_KEYS page steps with the page played by the Python mirrors: key
material only after the PIN, only a signature that recovers to the wallet (low-s) is accepted,
declining fails the challenge, export marks the wallets, and nothing is stored on a refusal."""

import json
import secrets

import pytest
import rlp
from coincurve import PrivateKey
from coincurve.utils import GROUP_ORDER_INT as N
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from core.models import AuditEvent
from customers.models import Challenge
from tests.gateway.conftest import Flow, blinded_element
from tests.gateway.test_oprf_steps import v2_proof
from wallets import signing_services
from wallets.models import SignRequest, Wallet

from . import key_mirror as km
from .conftest import provision
from .test_gateway_steps import PIN, onboarded_customer

pytestmark = pytest.mark.django_db

RECIPIENT = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TX = {
    "chainId": 11155111,
    "nonce": 7,
    "to": RECIPIENT,
    "value": "10000000000000000",
    "gas": 21000,
    "maxFeePerGas": "30000000000",
    "maxPriorityFeePerGas": "1500000000",
}


def permit(owner: str) -> dict:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": "USD Coin",
            "version": "2",
            "chainId": 11155111,
            "verifyingContract": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
        },
        "message": {
            "owner": owner,
            "spender": RECIPIENT,
            "value": "1000000",
            "nonce": 0,
            "deadline": 1900000000,
        },
    }


class SignFlow(Flow):
    def __init__(self, customer, shard, wallet, kind="message", **payload):
        challenge = signing_services.sign_challenge_create(
            organization=customer.organization,
            customer_id=customer.pk,
            wallet_id=wallet.pk,
            kind=kind,
            redirect_url="https://wallet.example.com/done",
            memo="Test memo",
            **payload,
        )
        super().__init__(challenge)
        self.shard = shard
        self.wallet = wallet
        self.u = km.user_share(shard)

    def unlock(self, pin=PIN):
        # Scheme v2, as the page does it: a counted OPRF evaluation of the PIN, then the proof.
        proof = v2_proof(self, pin, salt=bytes(self.customer.pin_credential.salt))
        return self.post("pin/verify", proof, raw=True)

    def key(self, release) -> bytes:
        return km.wallet_key(self.u, bytes.fromhex(release["serverShare"]), release["index"])

    def sign(self, release, key: bytes | None = None) -> bytes:
        signature = PrivateKey(key or self.key(release)).sign_recoverable(
            bytes.fromhex(release["digest"]), hasher=None
        )
        return signature


@pytest.fixture
def setup():
    shard = secrets.token_bytes(32)
    customer = onboarded_customer(shard)
    _, wallets = provision(customer, ["ETH-SEPOLIA"], shard=shard)
    return customer, shard, wallets[0]


def _open(flow: Flow) -> bytes:
    return flow.open().content


def test_message_signed_after_the_pin_recovers_to_the_wallet(setup):
    customer, shard, wallet = setup
    flow = SignFlow(customer, shard, wallet, message="Hello from the test")
    page = _open(flow)
    assert b"Hello from the test" in page and wallet.address.encode() in page and b"Test memo" in page
    assert customer.organization.name.encode() in page
    assert flow.post("sign/keys").status_code == 409  # not before the PIN
    assert flow.unlock().status_code == 200
    release = flow.post("sign/keys").json()["data"]
    assert release["address"] == wallet.address
    expected = bytes(SignRequest.objects.get(challenge=flow.challenge).digest)
    assert bytes.fromhex(release["digest"]) == expected
    response = flow.post("sign/submit", {"signature": flow.sign(release).hex()})
    assert response.status_code == 200, response.json()
    assert flow.post("complete").status_code == 200
    flow.challenge.refresh_from_db()
    assert flow.challenge.status == "verified"
    signature = flow.challenge.result["signature"]
    assert set(flow.challenge.result) == {"signature"}
    assert (
        Account.recover_message(encode_defunct(text="Hello from the test"), signature=signature)
        == wallet.address
    )
    # A second completion of the verified challenge is refused and changes nothing.
    assert flow.post("complete").status_code == 410
    assert flow.post("sign/submit", {"signature": flow.sign(release).hex()}).status_code == 410
    assert AuditEvent.objects.filter(action="wallets.signed", target_id=str(wallet.pk)).count() == 1


def test_typed_data_permit_is_signed_as_eth_account_hashes_it(setup):
    customer, shard, wallet = setup
    typed = permit(wallet.address)
    flow = SignFlow(customer, shard, wallet, kind="typed_data", typed_data=json.dumps(typed))
    page = _open(flow).decode()
    assert "USD Coin" in page and "Permit" in page and "deadline" in page and "1900000000" in page
    flow.unlock()
    release = flow.post("sign/keys").json()["data"]
    assert flow.post("sign/submit", {"signature": flow.sign(release).hex()}).status_code == 200
    flow.post("complete")
    flow.challenge.refresh_from_db()
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=flow.challenge.result["signature"]) == wallet.address


def test_transaction_is_signed_into_the_exact_requested_transaction(setup):
    customer, shard, wallet = setup
    flow = SignFlow(customer, shard, wallet, kind="transaction", transaction_=dict(TX))
    page = _open(flow).decode()
    assert "0.01 ETH" in page and RECIPIENT in page and "30 gwei" in page and "No (a plain transfer)" in page
    flow.unlock()
    release = flow.post("sign/keys").json()["data"]
    key = flow.key(release)
    assert flow.post("sign/submit", {"signature": flow.sign(release, key).hex()}).status_code == 200
    flow.post("complete")
    flow.challenge.refresh_from_db()
    result = flow.challenge.result
    assert Account.recover_transaction(result["signedTransaction"]) == wallet.address
    # The same transaction signed by eth-account with the key the page derives: byte for byte.
    reference = Account.sign_transaction(
        {**TX, "value": 10**16, "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 1_500_000_000}, key
    )
    assert result["signedTransaction"] == "0x" + reference.raw_transaction.hex()
    assert result["txHash"] == "0x" + reference.hash.hex()


def test_a_signature_by_another_key_or_high_s_is_refused_and_nothing_is_stored(setup):
    customer, shard, wallet = setup
    flow = SignFlow(customer, shard, wallet, message="tamper")
    _open(flow)
    flow.unlock()
    release = flow.post("sign/keys").json()["data"]
    other = flow.sign(release, secrets.token_bytes(32))
    response = flow.post("sign/submit", {"signature": other.hex()})
    assert response.status_code == 400 and response.json()["code"] == "signature_refused"
    good = flow.sign(release)
    s = int.from_bytes(good[32:64], "big")
    high = good[:32] + (N - s).to_bytes(32, "big") + bytes([good[64] ^ 1])
    response = flow.post("sign/submit", {"signature": high.hex()})
    assert response.status_code == 400 and "low-s" in response.json()["message"]
    assert flow.post("sign/submit", {"signature": "zz"}).status_code == 400
    assert SignRequest.objects.get(challenge=flow.challenge).result is None
    assert flow.post("complete").status_code == 409  # still at the signing step
    assert flow.post("sign/submit", {"signature": good.hex()}).status_code == 200


def test_a_wrong_pin_counts_toward_the_lockout(setup):
    customer, shard, wallet = setup
    flow = SignFlow(customer, shard, wallet, message="x")
    _open(flow)
    response = flow.unlock("000000")
    assert response.status_code == 403 and response.json()["code"] == "wrong_pin"
    assert flow.customer.pin_failed_attempts == 1
    assert flow.post("sign/keys").status_code == 409


def test_declining_fails_the_challenge(setup):
    customer, shard, wallet = setup
    flow = SignFlow(customer, shard, wallet, message="no thanks")
    _open(flow)
    response = flow.post("decline")
    assert response.status_code == 200 and "status=failed" in response.json()["data"]["returnUrl"]
    flow.challenge.refresh_from_db()
    assert flow.challenge.status == "failed" and flow.challenge.result == {"reason": "declined"}
    assert flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True).status_code == 410


def test_raw_unsigned_transactions_sign_the_same_digest(setup):
    from eth_account._utils.legacy_transactions import serializable_unsigned_transaction_from_dict

    customer, shard, wallet = setup
    typed = serializable_unsigned_transaction_from_dict(
        {**TX, "value": 10**16, "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 1_500_000_000, "type": 2}
    )
    serializer = typed.transaction._unsigned_transaction_serializer  # noqa: SLF001 - eth-account's sedes
    raw = "0x02" + rlp.encode(serializer.from_dict(typed.transaction.dictionary)).hex()
    from_raw = SignFlow(customer, shard, wallet, kind="transaction", raw_transaction=raw)
    assert bytes(from_raw.challenge.sign_request.digest) == typed.hash()
    legacy = {"chainId": 11155111, "nonce": 1, "to": RECIPIENT, "value": 5, "gas": 21000, "gasPrice": 10**9}
    unsigned = serializable_unsigned_transaction_from_dict(legacy)
    flow = SignFlow(
        customer, shard, wallet, kind="transaction", raw_transaction="0x" + rlp.encode(unsigned).hex()
    )
    _open(flow)
    flow.unlock()
    release = flow.post("sign/keys").json()["data"]
    key = flow.key(release)
    assert flow.post("sign/submit", {"signature": flow.sign(release, key).hex()}).status_code == 200
    result = SignRequest.objects.get(challenge=flow.challenge).result
    assert result["signedTransaction"] == "0x" + Account.sign_transaction(legacy, key).raw_transaction.hex()


def test_export_shows_the_keys_of_every_wallet_after_the_pin_and_a_confirmation(setup):
    customer, shard, wallet = setup
    provision(customer, ["MATIC-AMOY", "BASE-SEPOLIA"], shard=shard)
    challenge = signing_services.export_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        redirect_url="https://wallet.example.com/x",
    )
    flow = Flow(challenge)
    page = flow.open().content.decode()
    assert "Anyone who sees or copies it can take everything" in page and wallet.address in page
    assert flow.post("export/keys", {"confirmed": True}).status_code == 409  # PIN first
    proof = v2_proof(flow, PIN, salt=bytes(customer.pin_credential.salt))
    assert flow.post("pin/verify", proof, raw=True).status_code == 200
    response = flow.post("export/keys", {"confirmed": False})
    assert response.status_code == 400 and not Wallet.objects.filter(exported=True).exists()
    response = flow.post("export/keys", {"confirmed": True})
    assert response.status_code == 200
    data = response.json()["data"]
    u = km.user_share(shard)
    v = bytes.fromhex(data["serverShare"])
    assert [entry["index"] for entry in data["keys"]] == [0, 1]
    for entry in data["keys"]:
        key = km.wallet_key(u, v, entry["index"])
        assert Account.from_key(key).address == entry["address"]
    assert Wallet.objects.filter(customer=customer, exported=True).count() == 3
    assert AuditEvent.objects.filter(action="wallets.keys_exported").count() == 3
    assert flow.post("complete").status_code == 200
    challenge.refresh_from_db()
    assert challenge.status == "verified" and all(w["exported"] for w in challenge.result["wallets"])
    assert "privateKey" not in json.dumps(challenge.result) and data["serverShare"] not in json.dumps(
        challenge.result
    )


def test_signing_export_and_pin_change_reach_the_integrator_as_webhook_events(setup):
    from tests.gateway.test_change_pin_and_recovery import flow_of
    from tests.gateway.test_change_pin_and_recovery import unlock as unlock_flow
    from webhooks.models import Event
    from webhooks.services import endpoint_create

    customer, shard, wallet = setup
    endpoint_create(organization=customer.organization, url="https://127.0.0.1:9/hook")
    flow = SignFlow(customer, shard, wallet, kind="transaction", transaction_=dict(TX))
    _open(flow)
    flow.unlock()
    release = flow.post("sign/keys").json()["data"]
    result = flow.post("sign/submit", {"signature": flow.sign(release).hex()}).json()["data"]
    assert flow.post("sign/submit", {"signature": flow.sign(release).hex()}).status_code == 409
    # A reload puts the challenge back at the PIN; the page signs again: one event, not two.
    assert flow.client.get(f"/gateway/s/{flow.challenge.id}/").status_code == 200
    assert flow.unlock().status_code == 200
    release = flow.post("sign/keys").json()["data"]
    assert flow.post("sign/submit", {"signature": flow.sign(release).hex()}).status_code == 200
    (signed,) = Event.objects.filter(name="transaction.signed")
    assert signed.data["txHash"] == result["txHash"] and signed.data["signType"] == "TRANSACTION"
    assert signed.data["walletId"] == str(wallet.pk) and signed.data["address"] == wallet.address

    challenge = signing_services.export_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        redirect_url="https://wallet.example.com/x",
    )
    export = Flow(challenge)
    export.open()
    proof = v2_proof(export, PIN, salt=bytes(customer.pin_credential.salt))
    export.post("pin/verify", proof, raw=True)
    assert export.post("export/keys", {"confirmed": True}).status_code == 200
    (exported,) = Event.objects.filter(name="wallet.keys_exported")
    assert exported.data["id"] == str(wallet.pk) and exported.data["exported"] is True
    assert "serverShare" not in json.dumps(exported.data)

    change = flow_of(customer, Challenge.Type.CHANGE_PIN)
    assert unlock_flow(change).status_code == 200
    change.set_pin()
    assert Event.objects.filter(name="customer.pin_updated", data__id=str(customer.pk)).count() == 1
