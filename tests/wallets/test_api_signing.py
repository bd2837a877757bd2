"""POST …/sign/message, …/sign/typed-data, …/sign/transaction, …/export-private-keys, …/update-pin
and …/recovery: the challenge is created for a parsable payload of the customer's own wallet, and
every bad input is a clear 4xx in the customers envelope that stores nothing."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account.messages import _hash_eip191_message, encode_defunct

from customers.models import Challenge, Customer
from customers.services import customer_create
from wallets.models import SignRequest

from .conftest import ORIGIN, onboarded, provision
from .test_signing_steps import TX, permit

pytestmark = pytest.mark.django_db

URL = f"{ORIGIN}/signed"


@pytest.fixture
def wallet(customer):
    _, wallets = provision(customer, ["ETH-SEPOLIA"])
    return wallets[0]


def sign(api, customer, route, **body):
    return api.post(f"/v2/customers/{customer.pk}/sign/{route}", {"redirectUrl": URL, **body})


def state():
    return Challenge.objects.count(), SignRequest.objects.count()


def test_sign_message_creates_the_challenge_with_eth_accounts_digest(api, customer, wallet):
    response = sign(api, customer, "message", walletId=str(wallet.pk), message="Hi", memo="Log in to Demo")
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["type"] == "SIGN_MESSAGE" and data["status"] == "pending"
    request = SignRequest.objects.get(challenge_id=data["challengeId"])
    assert bytes(request.digest) == _hash_eip191_message(encode_defunct(text="Hi"))
    assert request.memo == "Log in to Demo" and request.wallet == wallet
    hexed = sign(api, customer, "message", walletId=str(wallet.pk), message="0x4869", encodedByHex=True)
    assert hexed.status_code == 201
    request = SignRequest.objects.get(challenge_id=hexed.json()["data"]["challengeId"])
    assert bytes(request.digest) == _hash_eip191_message(encode_defunct(text="Hi"))


def test_sign_typed_data_and_transaction_create_their_challenges(api, customer, wallet):
    typed = sign(
        api, customer, "typed-data", walletId=str(wallet.pk), typedData=json.dumps(permit(wallet.address))
    )
    assert typed.status_code == 201 and typed.json()["data"]["type"] == "SIGN_TYPED_DATA"
    tx = sign(api, customer, "transaction", walletId=str(wallet.pk), transaction=TX)
    assert tx.status_code == 201 and tx.json()["data"]["type"] == "SIGN_TRANSACTION"
    as_text = sign(api, customer, "transaction", walletId=str(wallet.pk), transaction=json.dumps(TX))
    assert as_text.status_code == 201


def _bad_typed(owner):
    no_primary = permit(owner)
    del no_primary["primaryType"]
    extra = permit(owner)
    extra["message"]["admin"] = True
    wrong_type = permit(owner)
    wrong_type["message"]["value"] = "lots"
    other_chain = permit(owner)
    other_chain["domain"]["chainId"] = 1
    return {
        "bad-json": "{not json",
        "missing-primaryType": json.dumps(no_primary),
        "field-not-in-types": json.dumps(extra),
        "value-not-of-its-type": json.dumps(wrong_type),
        "other-chain": json.dumps(other_chain),
    }


@pytest.mark.parametrize(
    "route,body,status,field",
    [
        ("message", {"message": "not hex", "encodedByHex": True}, 400, "message"),
        ("message", {"message": "0xabc", "encodedByHex": True}, 400, "message"),
        ("message", {"message": "x" * (64 * 1024 + 1)}, 400, "message"),
        ("message", {"message": "ok", "memo": "m" * 501}, 400, "memo"),
        ("message", {"message": 12}, 400, "message"),
        ("transaction", {"transaction": {**TX, "chainId": 1}}, 400, "transaction"),
        ("transaction", {"transaction": {**TX, "gas": "lots"}}, 400, "transaction"),
        ("transaction", {"transaction": {**TX, "gasPrice": 1}}, 400, "transaction"),
        ("transaction", {"transaction": "{broken"}, 400, "transaction"),
        ("transaction", {"rawTransaction": "0x02c0"}, 400, "rawTransaction"),
        ("transaction", {"rawTransaction": "nothex"}, 400, "rawTransaction"),
        ("transaction", {"transaction": TX, "rawTransaction": "0x02"}, 400, "transaction"),
    ],
)
def test_bad_payloads_are_400_and_store_nothing(api, customer, wallet, route, body, status, field):
    before = state()
    response = sign(api, customer, route, walletId=str(wallet.pk), **body)
    assert response.status_code == status, response.json()
    payload = response.json()
    assert payload["success"] is False and field in payload["errors"]
    assert state() == before


@pytest.mark.parametrize("case", list(_bad_typed("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")))
def test_bad_typed_data_is_400_and_stores_nothing(api, customer, wallet, case):
    before = state()
    response = sign(
        api, customer, "typed-data", walletId=str(wallet.pk), typedData=_bad_typed(wallet.address)[case]
    )
    assert response.status_code == 400, response.json()
    assert "typedData" in response.json()["errors"] and response.json()["message"]
    assert state() == before


def test_another_customers_wallet_is_404(api, organization, customer, wallet):
    other = onboarded(customer_create(organization=organization, ref_id="user-2", name="Ben"))
    before = state()
    response = sign(api, other, "message", walletId=str(wallet.pk), message="hi")
    assert response.status_code == 404 and "walletId" in response.json()["errors"]
    assert sign(api, other, "message", walletId="not-a-uuid", message="hi").status_code == 404
    assert state() == before


def test_another_organizations_customer_is_404(other_api, customer, wallet):
    assert sign(other_api, customer, "message", walletId=str(wallet.pk), message="hi").status_code == 404


@pytest.mark.parametrize("route", ["sign/message", "export-private-keys", "update-pin"])
def test_without_recovery_or_with_the_pin_locked_key_work_is_refused(api, customer, wallet, route):
    body = {"redirectUrl": URL, "walletId": str(wallet.pk), "message": "hi"}
    Customer.objects.filter(pk=customer.pk).update(has_recovery=False)
    before = state()
    response = api.post(f"/v2/customers/{customer.pk}/{route}", body)
    assert (
        response.status_code == 409
        and "recovery must be completed first" in response.json()["message"].lower()
    )
    Customer.objects.filter(pk=customer.pk).update(
        has_recovery=True, pin_locked_until=timezone.now() + timedelta(minutes=30)
    )
    response = api.post(f"/v2/customers/{customer.pk}/{route}", body)
    assert response.status_code == 423 and "lockedExpiryDate" in response.json()["errors"]
    assert state() == before


def test_export_needs_a_wallet_and_update_pin_and_recovery_open_their_challenges(api, customer):
    response = api.post(f"/v2/customers/{customer.pk}/export-private-keys", {"redirectUrl": URL})
    assert response.status_code == 409 and "no wallets" in response.json()["message"]
    provision(customer, ["ETH"])
    response = api.post(f"/v2/customers/{customer.pk}/export-private-keys", {"redirectUrl": URL})
    assert response.status_code == 201 and response.json()["data"]["type"] == "EXPORT_PRIVATE_KEYS"
    response = api.post(f"/v2/customers/{customer.pk}/update-pin", {"redirectUrl": URL})
    assert response.status_code == 201 and response.json()["data"]["type"] == "CHANGE_PIN"
    response = api.post(f"/v2/customers/{customer.pk}/recovery", {"redirectUrl": URL})
    assert response.status_code == 201 and response.json()["data"]["type"] == "SET_RECOVERY"
    Customer.objects.filter(pk=customer.pk).update(has_pin=False, has_recovery=False)
    assert api.post(f"/v2/customers/{customer.pk}/recovery", {"redirectUrl": URL}).status_code == 409


def test_idempotent_replay_returns_the_same_challenge(api, customer, wallet):
    key = "0b7c7e3e-3c59-4d1d-9a43-3f1f8a0f6a11"
    first = sign(api, customer, "message", walletId=str(wallet.pk), message="once", idempotencyKey=key)
    again = sign(api, customer, "message", walletId=str(wallet.pk), message="once", idempotencyKey=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["data"]["challengeId"] == again.json()["data"]["challengeId"]
    assert SignRequest.objects.count() == 1
    other = sign(api, customer, "message", walletId=str(wallet.pk), message="twice", idempotencyKey=key)
    assert other.status_code == 409
