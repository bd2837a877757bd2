"""`locale` on every challenge-creating POST (customers and wallets): the supported codes, the
tags mapped to them, and anything else a 400 in the customers envelope that creates nothing."""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client

from customers.models import Challenge
from customers.services import customer_create
from wallets.models import SignRequest, WalletRequest

from .conftest import ORIGIN
from .test_api_signing import wallet  # noqa: F401 - the fixture: one ETH-SEPOLIA wallet
from .test_signing_steps import TX, permit

pytestmark = pytest.mark.django_db

URL = f"{ORIGIN}/done"


def _bodies(wallet) -> dict[str, dict]:  # noqa: F811 - the wallet of the fixture
    """Each challenge-creating route of an onboarded customer with a wallet, with its own fields."""
    return {
        "reset-pin": {},
        "update-pin": {},
        "recovery": {},
        "wallet/create": {"blockchains": ["MATIC-AMOY"]},
        "sign/message": {"walletId": str(wallet.pk), "message": "Hi"},
        "sign/typed-data": {"walletId": str(wallet.pk), "typedData": json.dumps(permit(wallet.address))},
        "sign/transaction": {"walletId": str(wallet.pk), "transaction": TX},
        "export-private-keys": {},
    }


ROUTES = [
    "reset-pin",
    "update-pin",
    "recovery",
    "wallet/create",
    "sign/message",
    "sign/typed-data",
    "sign/transaction",
    "export-private-keys",
]


def _state():
    return Challenge.objects.count(), WalletRequest.objects.count(), SignRequest.objects.count()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("en", "en"),
        ("fil", "fil"),
        ("tl", "fil"),
        ("fil-PH", "fil"),
        ("tl_PH", "fil"),
        ("TL-ph", "fil"),
        ("en-US", "en"),
        ("en_GB", "en"),
        (None, None),
    ],
)
def test_initialize_accepts_the_supported_languages_and_their_tags(api, organization, given, stored):
    customer = customer_create(organization=organization, ref_id="new-1")
    body = {"redirectUrl": URL, "locale": given}
    response = api.post(f"/v2/customers/{customer.pk}/initialize", body)
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["locale"] == stored
    assert Challenge.objects.get(pk=data["challengeId"]).locale == stored
    read = api.get(f"/v2/customers/{customer.pk}/challenges/{data['challengeId']}")
    assert read.json()["data"]["locale"] == stored


def test_locale_omitted_is_null(api, organization):
    customer = customer_create(organization=organization, ref_id="new-2")
    response = api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": URL})
    assert response.status_code == 201 and response.json()["data"]["locale"] is None


@pytest.mark.parametrize(
    "given", ["de", "fr-PH", "english", "filipino", "fil-", "", " ", "f", 5, True, ["fil"]]
)
def test_initialize_refuses_an_unknown_locale_and_creates_nothing(api, organization, given):
    customer = customer_create(organization=organization, ref_id="new-3")
    before = _state()
    response = api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": URL, "locale": given})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and list(body["errors"]) == ["locale"]
    assert _state() == before


@pytest.mark.parametrize("route", ROUTES)
def test_every_challenge_post_maps_and_refuses_locale(api, customer, wallet, route):  # noqa: F811
    body = {"redirectUrl": URL, **_bodies(wallet)[route]}
    before = _state()
    refused = api.post(f"/v2/customers/{customer.pk}/{route}", {**body, "locale": "de-DE"})
    assert refused.status_code == 400, refused.json()
    assert refused.json()["errors"]["locale"] == [
        "Unsupported locale: use en or fil (en-US, tl, fil-PH and similar tags are accepted)."
    ]
    assert _state() == before
    created = api.post(f"/v2/customers/{customer.pk}/{route}", {**body, "locale": "fil-PH"})
    assert created.status_code == 201, created.json()
    assert created.json()["data"]["locale"] == "fil"
    assert Challenge.objects.get(pk=created.json()["data"]["challengeId"]).locale == "fil"


def test_the_schema_documents_locale():
    schema = yaml.safe_load(Client().get("/v2/schema").content)
    components = schema["components"]["schemas"]
    challenge = components["Challenge"]["properties"]["locale"]
    assert challenge.get("nullable") is True
    refs = [option["$ref"].rsplit("/", 1)[1] for option in challenge["oneOf"]]
    assert components[refs[0]]["enum"] == ["en", "fil"]
    for name in (
        "ChallengeCreateInputRequest",
        "WalletCreateInputRequest",
        "SignMessageInputRequest",
        "ExportInputRequest",
    ):
        field = components[name]["properties"]["locale"]
        assert field["type"] == "string" and "fil-PH" in field["description"]
        assert "locale" not in components[name].get("required", [])
