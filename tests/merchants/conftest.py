"""Fixtures of the merchant API tests: API clients, tokens, valid bodies, accounts."""

import copy
import itertools

import pytest
from rest_framework.test import APIClient

from merchants import services

from .factories import VALID_PASSWORD, VALID_PIN, valid_body

_seq = itertools.count(1)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def partner(db, secret_registry):
    client, secret = services.api_client_create(name="Partner One")
    secret_registry.add(secret)
    return client, secret


@pytest.fixture
def client_token(partner, api, secret_registry) -> str:
    client, secret = partner
    response = api.post(
        "/v2/auth/token", {"clientId": client.client_id, "clientSecret": secret}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["accessToken"]
    secret_registry.add(token)
    return token


@pytest.fixture
def authed(api, client_token) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {client_token}")
    return api


@pytest.fixture
def body(secret_registry):
    secret_registry.add(VALID_PASSWORD, VALID_PIN)

    def make(**user) -> dict:
        data = copy.deepcopy(valid_body(username=f"merchant.{next(_seq)}"))
        data["user"].update(user)
        secret_registry.add(data["user"].get("password"), data["user"].get("pin"))
        return data

    return make


@pytest.fixture
def account(db, partner, secret_registry):
    """A PENDING account made through the service, with its password."""
    client, _ = partner
    secret_registry.add(VALID_PASSWORD, VALID_PIN)
    return services.account_create(
        api_client=client,
        email="owner@example.com",
        phone="+639171234567",
        first_name="Maria",
        middle_name="",
        last_name="Santos",
        username=f"maria.{next(_seq)}",
        password=VALID_PASSWORD,
        pin=VALID_PIN,
    )
