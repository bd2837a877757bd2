"""The schema documents the wallet operations in the customers envelope, with their errors."""

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/v2/customers/{id}/wallet/create", "post"): ("201", "ChallengeEnvelope"),
    ("/v2/customers/{id}/public-key", "get"): ("200", "PublicKeyEnvelope"),
    ("/v2/wallets", "get"): ("200", "WalletListEnvelope"),
    ("/v2/wallets/{id}", "get"): ("200", "WalletEnvelope"),
    ("/v2/wallets/{id}", "put"): ("200", "WalletEnvelope"),
}


@pytest.fixture
def schema():
    response = Client().get("/v2/schema")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_wallet_operations_are_documented(schema):
    for (path, method), (status, envelope) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"ApiKeyAuth": []}]
        ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/" + envelope), (path, method, ref)
        for code in ("401", "429"):
            assert operation["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/ErrorEnvelope"
            )
    create = schema["paths"]["/v2/customers/{id}/wallet/create"]["post"]
    assert {"400", "403", "404", "409", "415", "423"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    props = schema["components"]["schemas"][body]["properties"]
    assert {"blockchains", "redirectUrl", "accountType", "metadata", "idempotencyKey"} <= set(props)
    assert "ETH-SEPOLIA" in str(schema["components"]["schemas"]) and "MATIC-AMOY" in str(schema)
    wallet = schema["components"]["schemas"]["Wallet"]["properties"]
    assert set(wallet) == {
        "id", "customerId", "blockchain", "address", "accountType", "state", "name", "refId",
        "keyIndex", "exported", "createdAt", "updatedAt",
    }  # fmt: skip
    names = {p["name"] for p in schema["paths"]["/v2/wallets"]["get"]["parameters"]}
    assert {"customerIds", "blockchain", "address", "refId", "page", "limit", "order"} <= names


def test_wallet_data_matches_the_documented_serializer(db):
    from customers.services import customer_create, organization_create
    from wallets.serializers import WalletSerializer, wallet_data

    from .conftest import onboarded, provision

    org = organization_create(name="Doc", redirect_origins=["https://app.example.com"])
    customer = onboarded(customer_create(organization=org, ref_id="doc"))
    _, wallets = provision(customer, ["ETH"], metadata=[{"name": "n", "refId": "r"}])
    wallet = wallets[0]
    wallet.refresh_from_db()
    assert wallet_data(wallet) == dict(WalletSerializer(wallet).data)
