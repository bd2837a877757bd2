"""Fixtures of the customers API tests: organizations, keys and a client speaking JSON."""

import json
import uuid

import pytest
from django.test import Client

from customers.models import ApiKey, Challenge, Customer, IdempotencyRecord, Organization
from customers.services import api_key_create, customer_create, organization_create

ORIGIN = "https://app.example.com"


class Api:
    """A Django test client that sends PLANBOK-X-API-KEY and JSON bodies."""

    def __init__(self, key: str | None = None):
        self.client = Client()
        self.key = key

    def headers(self, extra):
        headers = {"PLANBOK-X-API-KEY": self.key} if self.key else {}
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self.headers(headers))

    def post(self, path, body=None, headers=None, raw=None, content_type="application/json"):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(path, data, content_type=content_type, headers=self.headers(headers))

    def method(self, name, path, headers=None):
        return getattr(self.client, name)(path, headers=self.headers(headers))


def counts():
    """Row counts an integrator's bad request must leave unchanged."""
    return (
        Customer.objects.count(),
        Challenge.objects.count(),
        IdempotencyRecord.objects.count(),
        ApiKey.objects.count(),
        list(Organization.objects.values_list("customer_count", flat=True).order_by("pk")),
    )


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    """Tests fire requests faster than 10/s; test_rate_limit.py sets small limits itself."""
    settings.ONBOARDING = {**settings.ONBOARDING, "CUSTOMERS_RATE_LIMIT": "100000/s"}


@pytest.fixture
def organization(db):
    return organization_create(name="Acme Wallet", redirect_origins=[ORIGIN, "http://localhost:8000"])


@pytest.fixture
def other_organization(db):
    return organization_create(name="Other Wallet", redirect_origins=["https://other.example.com"])


@pytest.fixture
def full_key(organization):
    return api_key_create(organization=organization, kind=ApiKey.Kind.FULL)[1]


@pytest.fixture
def restricted_key(organization):
    return api_key_create(organization=organization, kind=ApiKey.Kind.RESTRICTED)[1]


@pytest.fixture
def api(full_key):
    return Api(full_key)


@pytest.fixture
def restricted_api(restricted_key):
    return Api(restricted_key)


@pytest.fixture
def other_api(other_organization):
    return Api(api_key_create(organization=other_organization)[1])


@pytest.fixture
def customer(organization):
    return customer_create(organization=organization, ref_id="user-1", name="Ana")


def new_key() -> str:
    return str(uuid.uuid4())
