"""POST /v2/customers/{id}/wallet/create and GET /v2/customers/{id}/public-key: gate, input, replays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Challenge, Customer
from customers.services import customer_create
from wallets.models import CustomerKey, Wallet, WalletRequest

from .conftest import ORIGIN, onboarded, provision

pytestmark = pytest.mark.django_db

URL = f"{ORIGIN}/wallets/done"


def create(api, customer, **body):
    payload = {"blockchains": ["ETH-SEPOLIA", "MATIC-AMOY"], "redirectUrl": URL, **body}
    return api.post(f"/v2/customers/{customer.pk}/wallet/create", payload)


def state():
    return (
        Challenge.objects.count(),
        WalletRequest.objects.count(),
        Wallet.objects.count(),
        CustomerKey.objects.count(),
    )


def test_create_wallet_challenge(api, customer):
    response = create(api, customer, metadata=[{"name": "Main", "refId": "w-1"}])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["success"] is True and body["message"] == "Wallet creation challenge created"
    data = body["data"]
    assert data["type"] == "CREATE_WALLET" and data["status"] == "pending" and data["returnUrl"] == URL
    assert f"/gateway/c/{data['challengeId']}/" in data["redirectUrl"]
    request = WalletRequest.objects.get(challenge_id=data["challengeId"])
    assert request.blockchains == ["ETH-SEPOLIA", "MATIC-AMOY"] and request.account_type == "EOA"
    assert request.metadata == [{"name": "Main", "refId": "w-1"}] and request.key_index is None
    assert Wallet.objects.count() == 0  # nothing exists until the page confirms the keys


@pytest.mark.parametrize(
    "fields",
    [{"has_pin": False, "has_recovery": False}, {"has_pin": True, "has_recovery": False}],
    ids=["no-pin", "pin-without-recovery"],
)
def test_customer_without_recovery_is_409(api, customer, fields):
    Customer.objects.filter(pk=customer.pk).update(**fields)
    before = state()
    response = create(api, customer)
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False and "recovery must be completed first" in body["message"].lower()
    assert state() == before
    public = api.get(f"/v2/customers/{customer.pk}/public-key")
    assert (
        public.status_code == 409 and "recovery must be completed first" in public.json()["message"].lower()
    )


def test_locked_pin_is_423_with_the_expiry(api, customer):
    until = timezone.now() + timedelta(minutes=20)
    Customer.objects.filter(pk=customer.pk).update(pin_locked_until=until)
    before = state()
    response = create(api, customer)
    assert response.status_code == 423
    body = response.json()
    assert body["success"] is False and "locked" in body["message"]
    expiry = body["errors"]["lockedExpiryDate"][0]
    assert expiry == until.isoformat().replace("+00:00", "Z")
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"blockchains": []}, "blockchains"),
        ({"blockchains": ["ETH", "ETH"]}, "blockchains"),
        ({"blockchains": ["DOGE"]}, "blockchains.0"),
        ({"blockchains": "ETH"}, "blockchains"),
        ({"blockchains": [1]}, "blockchains.0"),
        ({"accountType": "SCA"}, "accountType"),
        ({"metadata": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}, "metadata"),
        ({"metadata": [{"name": "x" * 256}]}, "metadata.0.name"),
        ({"metadata": [{"refId": "x" * 256}]}, "metadata.0.refId"),
        ({"metadata": [{"name": 5}]}, "metadata.0.name"),
        ({"metadata": "Main"}, "metadata"),
        ({"redirectUrl": "http://evil.example.com/x"}, "redirectUrl"),
        ({"redirectUrl": "https://evil.example.com/x"}, "redirectUrl"),
        ({"idempotencyKey": "not-a-uuid"}, "idempotencyKey"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(api, customer, body, field):
    before = state()
    response = create(api, customer, **body)
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert payload["success"] is False and field in payload["errors"], payload
    assert state() == before


def test_missing_blockchains_is_400(api, customer):
    response = api.post(f"/v2/customers/{customer.pk}/wallet/create", {"redirectUrl": URL})
    assert response.status_code == 400 and "blockchains" in response.json()["errors"]


def test_another_organizations_customer_is_404(other_api, customer):
    before = state()
    response = create(other_api, customer)
    assert response.status_code == 404 and response.json()["success"] is False
    assert other_api.get(f"/v2/customers/{customer.pk}/public-key").status_code == 404
    assert state() == before


def test_restricted_key_cannot_create_but_can_read_the_public_key(restricted_api, customer):
    assert create(restricted_api, customer).status_code == 403
    provision(customer, ["ETH"])
    assert restricted_api.get(f"/v2/customers/{customer.pk}/public-key").status_code == 200


def test_idempotency_key_replays_and_refuses_another_body(api, customer):
    key = "6f1c0c8e-8d1e-4c7a-9a57-2b0f3c8f1a01"
    first = create(api, customer, idempotencyKey=key)
    again = create(api, customer, idempotencyKey=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert WalletRequest.objects.count() == 1
    other = create(api, customer, idempotencyKey=key, blockchains=["ETH"])
    assert other.status_code == 409 and "idempotencyKey" in other.json()["errors"]


def test_a_new_challenge_supersedes_the_open_one(api, customer):
    first = create(api, customer).json()["data"]["challengeId"]
    create(api, customer)
    old = Challenge.objects.get(pk=first)
    assert old.status == "failed" and old.result == {"reason": "superseded"}


def test_public_key_is_404_before_the_first_wallet_then_the_joint_key(api, customer):
    response = api.get(f"/v2/customers/{customer.pk}/public-key")
    assert response.status_code == 404 and "no wallet key" in response.json()["message"]
    provision(customer, ["ETH"])
    response = api.get(f"/v2/customers/{customer.pk}/public-key")
    assert response.status_code == 200
    data = response.json()["data"]
    key = CustomerKey.objects.get(customer=customer)
    assert data == {
        "customerId": str(customer.pk),
        "publicKey": "0x" + bytes(key.public_key).hex(),
        "curve": "secp256k1",
    }


def test_unknown_customer_id_is_404(api, organization):
    assert create(api, onboarded(customer_create(organization=organization, ref_id="x"))).status_code == 201
    assert (
        api.post(
            "/v2/customers/not-a-uuid/wallet/create", {"blockchains": ["ETH"], "redirectUrl": URL}
        ).status_code
        == 404
    )
    assert api.get("/v2/customers/00000000-0000-4000-8000-000000000000/public-key").status_code == 404


def _statements(ctx, text: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if text in q["sql"]]


def test_wallet_and_signing_challenges_take_the_allowlist_from_the_epoch_cache(api, customer):
    """Like initialize: while the organization config epoch holds, the redirect allowlist comes
    from this worker's cache (no query); a change moves the epoch and is seen at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.epoch_cache import config_changed
    from customers.models import RedirectOrigin

    _, wallets = provision(customer, ["ETH-SEPOLIA"])
    config_changed()
    assert create(api, customer).status_code == 201  # fills the cache
    with CaptureQueriesContext(connection) as ctx:
        assert create(api, customer).status_code == 201
        signed = api.post(
            f"/v2/customers/{customer.pk}/sign/message",
            {"redirectUrl": URL, "walletId": str(wallets[0].pk), "message": "Hi"},
        )
        assert signed.status_code == 201
    assert _statements(ctx, "customers_redirectorigin") == []
    RedirectOrigin.objects.filter(organization=customer.organization).delete()  # moves the epoch
    refused = create(api, customer)
    assert refused.status_code == 400
    assert refused.json()["errors"]["redirectUrl"] == [
        "The redirect URL's origin is not on this organization's allowlist."
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_wallet_and_signing_challenges_lock_the_customer_once_without_a_savepoint(api, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, wallets = provision(customer, ["ETH-SEPOLIA"])
    with CaptureQueriesContext(connection) as ctx:
        assert create(api, customer).status_code == 201
    assert len(_statements(ctx, "FOR UPDATE")) == 1
    assert _statements(ctx, "SAVEPOINT") == []
    with CaptureQueriesContext(connection) as ctx:
        signed = api.post(
            f"/v2/customers/{customer.pk}/sign/message",
            {"redirectUrl": URL, "walletId": str(wallets[0].pk), "message": "Hi"},
        )
        assert signed.status_code == 201
    assert len(_statements(ctx, "FOR UPDATE")) == 1
    assert _statements(ctx, "SAVEPOINT") == []


def test_unknown_customer_is_404_before_a_bad_redirect_400(api):
    import uuid

    response = api.post(
        f"/v2/customers/{uuid.uuid4()}/wallet/create",
        {"blockchains": ["ETH-SEPOLIA"], "redirectUrl": "https://elsewhere.example.com/x"},
    )
    assert response.status_code == 404
    assert response.json()["success"] is False
