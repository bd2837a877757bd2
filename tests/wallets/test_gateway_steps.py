"""The CREATE_WALLET page steps: v and t_i only after the PIN, proofs checked, nothing on failure."""

import secrets

import pytest
from coincurve.utils import GROUP_ORDER_INT as N
from eth_account import Account

from core.crypto import b64url
from core.models import AuditEvent
from customers.models import Challenge
from tests.gateway import scheme_mirror as sm
from tests.gateway.conftest import Flow
from tests.gateway.factories import customer_make, link_spend
from tests.gateway.seed import seed_pin, seed_questions
from wallets import services
from wallets.models import CustomerKey, Wallet, WalletRequest

from . import key_mirror as km

pytestmark = pytest.mark.django_db

PIN = "480317"


class WalletFlow(Flow):
    """A browser session through a CREATE_WALLET challenge, with the page played by the mirrors."""

    def __init__(self, customer, shard, chains=("ETH-SEPOLIA", "MATIC-AMOY")):
        challenge = services.wallet_challenge_create(
            organization=customer.organization,
            customer_id=customer.pk,
            blockchains=list(chains),
            redirect_url="https://wallet.example.com/done",
            metadata=[{"name": "Main", "refId": "w-1"}],
        )
        super().__init__(challenge)
        self.shard = shard
        self.u = km.user_share(shard)

    def unlock(self, pin=PIN):
        """The PIN proof as the page makes it (scheme v2: F(k, PIN) first, then PBKDF2)."""
        credential = self.customer.pin_credential
        base = pin
        if credential.scheme_version == sm.SCHEME_V2:
            base = sm.server_oprf_output(self.customer.id, "pin", pin, credential.oprf_key_version)
        auth_key, _ = sm.derive_keys(base, bytes(credential.salt))
        return self.post("pin/verify", {"authKey": b64url(auth_key)})

    def keys(self, *, send_u=True, u=None, proof=None):
        body = {}
        if send_u:
            public, good_proof = km.pok(
                u or self.u, challenge_id=self.challenge.id, customer_id=self.customer.id
            )
            body = {"userPublicKey": public.hex(), "proof": (proof or good_proof).hex()}
        return self.post("wallet/keys", body)

    def confirm(self, release, *, u=None):
        k = km.wallet_key(u or self.u, bytes.fromhex(release["serverShare"]), release["index"])
        signature = km.confirm(k, challenge_id=self.challenge.id, address=release["address"])
        return self.post(
            "wallet/confirm",
            {"confirmations": [{"address": release["address"], "signature": signature.hex()}]},
        )


def onboarded_customer(shard):
    customer = customer_make()
    seed_pin(customer, PIN, shard)
    seed_questions(customer, ["first_pet", "first_school", "first_job"], ["a1a", "b2b", "c3c"], shard)
    return customer


@pytest.fixture
def shard():
    return secrets.token_bytes(32)


@pytest.fixture
def wallet_flow(shard):
    flow = WalletFlow(onboarded_customer(shard), shard)
    page = flow.open()
    assert b"Create your wallet" in page.content and b"ETH-SEPOLIA" in page.content
    assert flow.customer.organization.name.encode() in page.content
    return flow


def test_whole_flow_creates_the_wallets_of_the_keys_the_page_derives(wallet_flow):
    flow = wallet_flow
    assert flow.unlock().status_code == 200
    response = flow.keys()
    assert response.status_code == 200, response.json()
    release = response.json()["data"]
    v = bytes.fromhex(release["serverShare"])
    assert release["index"] == 0 and release["tweak"] == km.tweak(v, 0).to_bytes(32, "big").hex()
    k = km.wallet_key(flow.u, v, 0)
    assert Account.from_key(k).address == release["address"]
    # the joint key the page can check: U + v·G
    assert release["publicKey"] == bytes(CustomerKey.objects.get(customer=flow.customer).public_key).hex()
    assert Wallet.objects.count() == 0
    confirmed = flow.confirm(release)
    assert confirmed.status_code == 200, confirmed.json()
    wallets = confirmed.json()["data"]["wallets"]
    assert [w["blockchain"] for w in wallets] == ["ETH-SEPOLIA", "MATIC-AMOY"]
    assert {w["address"] for w in wallets} == {release["address"]} and wallets[0]["name"] == "Main"
    done = flow.post("complete")
    assert done.status_code == 200 and "status=verified" in done.json()["data"]["returnUrl"]
    challenge = Challenge.objects.get(pk=flow.challenge.pk)
    assert challenge.status == "verified"
    assert sorted(w["id"] for w in challenge.result["wallets"]) == sorted(w["id"] for w in wallets)
    assert AuditEvent.objects.filter(action="wallets.key_created").count() == 1
    assert AuditEvent.objects.filter(action="wallets.wallet_created").count() == 2
    # A replayed completion or confirmation finds the challenge closed.
    assert flow.post("complete").status_code == 410
    assert flow.confirm(release).status_code == 410
    assert Wallet.objects.count() == 2


def test_a_second_wallet_needs_no_user_key_and_gets_the_next_index(wallet_flow, shard):
    flow = wallet_flow
    flow.unlock()
    flow.confirm(flow.keys().json()["data"])
    flow.post("complete")
    again = WalletFlow(flow.customer, shard, chains=("BASE",))
    again.open()
    assert b'data-has-wallet-key="true"' in again.client.get(f"/gateway/s/{again.challenge.id}/").content
    again.unlock()
    release = again.keys(send_u=False).json()["data"]
    assert release["index"] == 1
    assert again.confirm(release).status_code == 200
    assert Wallet.objects.get(blockchain="BASE").key_index == 1
    assert CustomerKey.objects.count() == 1


def test_no_key_material_before_the_pin(wallet_flow):
    response = wallet_flow.keys()
    assert response.status_code == 409 and response.json()["code"] == "pin_first"
    assert CustomerKey.objects.count() == 0 and WalletRequest.objects.get().key_index is None
    assert wallet_flow.post("wallet/confirm", {"confirmations": []}).status_code in (400, 409)
    assert wallet_flow.post("complete").status_code == 409


def test_wrong_pin_releases_nothing(wallet_flow):
    assert wallet_flow.unlock("111111").status_code == 403
    assert wallet_flow.keys().status_code == 409
    assert CustomerKey.objects.count() == 0


def _unchanged(flow):
    return (
        CustomerKey.objects.count() == 0
        and Wallet.objects.count() == 0
        and (WalletRequest.objects.get(challenge=flow.challenge).key_index is None)
    )


def test_a_wrong_proof_of_knowledge_is_refused(wallet_flow):
    flow = wallet_flow
    flow.unlock()
    # a proof made for another challenge, and a proof by another key
    _, other_challenge_proof = km.pok(flow.u, challenge_id="another", customer_id=flow.customer.id)
    response = flow.keys(proof=other_challenge_proof)
    assert response.status_code == 400 and "proof" in response.json()["errors"]
    public = km.user_public(flow.u)
    _, foreign = km.pok(flow.u + 1, challenge_id=flow.challenge.id, customer_id=flow.customer.id)
    response = flow.post("wallet/keys", {"userPublicKey": public.hex(), "proof": foreign.hex()})
    assert response.status_code == 400
    assert _unchanged(flow)


@pytest.mark.parametrize(
    "user_key",
    [
        "00" * 33,  # not an encoding of any point (the identity has none in 33 bytes)
        "02" + "ff" * 32,  # x beyond the field
        "04" + "11" * 32,  # wrong prefix
        "02" + "00" * 31 + "05",  # x with no y on the curve
        "zz" * 33,
        "02" * 10,
    ],
)
def test_a_user_key_that_is_not_a_point_is_refused(wallet_flow, user_key):
    flow = wallet_flow
    flow.unlock()
    response = flow.post("wallet/keys", {"userPublicKey": user_key, "proof": "11" * 64})
    assert response.status_code == 400 and response.json()["success"] is False
    assert "userPublicKey" in str(response.json()["errors"])
    assert _unchanged(flow)


def test_the_first_wallet_needs_the_user_key(wallet_flow):
    wallet_flow.unlock()
    response = wallet_flow.keys(send_u=False)
    assert response.status_code == 400 and "userPublicKey" in response.json()["errors"]
    assert _unchanged(wallet_flow)


def test_a_confirmation_not_made_with_k_i_creates_nothing(wallet_flow):
    flow = wallet_flow
    flow.unlock()
    release = flow.keys().json()["data"]
    wrong_u = (flow.u + 1) % N
    response = flow.confirm(release, u=wrong_u)
    assert response.status_code == 400 and "confirmations" in response.json()["errors"]
    bad = flow.post(
        "wallet/confirm", {"confirmations": [{"address": release["address"], "signature": "00" * 65}]}
    )
    assert bad.status_code == 400
    assert Wallet.objects.count() == 0
    assert Challenge.objects.get(pk=flow.challenge.pk).step == "wallet_create"
    # the right one still works afterwards
    assert flow.confirm(release).status_code == 200


def test_retrying_the_keys_step_keeps_one_index(wallet_flow):
    flow = wallet_flow
    flow.unlock()
    first = flow.keys().json()["data"]
    second = flow.keys().json()["data"]
    assert first == second and CustomerKey.objects.get().next_index == 1


def test_a_page_with_another_shard_cannot_create_wallets_for_the_key(wallet_flow, shard):
    flow = wallet_flow
    flow.unlock()
    flow.confirm(flow.keys().json()["data"])
    flow.post("complete")
    impostor = WalletFlow(flow.customer, secrets.token_bytes(32), chains=("OP",))
    impostor.open()
    impostor.unlock()
    response = impostor.keys()  # its U is not the customer's U
    assert response.status_code == 400
    release = impostor.keys(send_u=False).json()["data"]
    assert impostor.confirm(release).status_code == 400
    assert not Wallet.objects.filter(blockchain="OP").exists()


def test_the_link_of_another_browser_and_csrf_are_refused(wallet_flow):
    other = Flow(wallet_flow.challenge)
    assert link_spend(other.client, wallet_flow.challenge).status_code == 409
    assert wallet_flow.post("wallet/keys", {}, csrf=False).status_code == 403


def test_created_wallets_reach_the_integrator_as_wallet_created_events(wallet_flow):
    from webhooks.models import Event
    from webhooks.services import endpoint_create

    flow = wallet_flow
    endpoint_create(organization=flow.customer.organization, url="https://127.0.0.1:9/hook")
    assert flow.unlock().status_code == 200
    release = flow.keys().json()["data"]
    wallets = flow.confirm(release).json()["data"]["wallets"]
    events = Event.objects.filter(name="wallet.created").order_by("created_at")
    assert sorted(e.data["id"] for e in events) == sorted(w["id"] for w in wallets)
    assert {e.data["address"] for e in events} == {release["address"]}
    assert all(set(e.data) == set(wallets[0]) for e in events)
