"""Load: 4 gunicorn workers sharing Redis hold the limits and lose nothing under 200 concurrent requests.

Bounded and loopback only: one burst of 200 requests per test against a gunicorn started
on 127.0.0.1 for this module, on the pytest test database.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django_ratelimit.core import _get_window

from customers.models import ApiKey, Customer, Organization
from customers.services import api_key_create, organization_create
from merchants import services as account_services
from merchants.models import Account
from merchants.tokens import ClientAccessToken
from tests.merchants.factories import VALID_PASSWORD, VALID_PIN, valid_body

from .servers import database_url, service

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

BURST = 200


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    with service(url, workers=4) as base:
        yield base


def burst(send, count: int = BURST) -> list[requests.Response]:
    """`count` requests released at once from `count` threads."""
    gate = threading.Barrier(count, timeout=30)

    def one(i: int) -> requests.Response:
        gate.wait()
        return send(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def client_with_room_in_window(secret_registry, seconds: int = 40):
    """django-ratelimit jitters each key's 60 s window; pick a client whose window has
    `seconds` left so the whole burst surely falls inside one window."""
    for _ in range(60):
        client, secret = account_services.api_client_create(name="Load Partner")
        secret_registry.add(secret)
        if _get_window(f"client:{client.client_id}", 60) - int(time.time()) >= seconds:
            return client
    raise RuntimeError("no client with room in its window")


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_account_creations_from_one_client_get_exactly_10(server, secret_registry):
    secret_registry.add(VALID_PASSWORD, VALID_PIN)
    client = client_with_room_in_window(secret_registry)
    token = str(ClientAccessToken.for_client(client))
    secret_registry.add(token)
    tag = uuid.uuid4().hex[:8]

    def send(i: int) -> requests.Response:
        return requests.post(
            f"{server}/v2/account",
            json=valid_body(username=f"load.{tag}.{i}"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    responses = burst(send)
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 10, sorted(statuses)
    assert statuses.count(429) == BURST - 10, sorted(statuses)
    for response in responses:
        if response.status_code == 429:
            assert response.json() == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
            assert int(response.headers["Retry-After"]) >= 1
    assert Account.objects.filter(api_client=client).count() == 10
    created = {r.json()["id"] for r in responses if r.status_code == 200}
    assert set(Account.objects.filter(api_client=client).values_list("id", flat=True)) == created


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_customer_creations_all_succeed_without_duplicates(server):
    organization = organization_create(name="Load Wallet", redirect_origins=["https://load.example.com"])
    key = api_key_create(organization=organization, kind=ApiKey.Kind.FULL)[1]
    ref_ids = [f"load-{uuid.uuid4().hex}" for _ in range(BURST)]

    def send(i: int) -> requests.Response:
        return requests.post(
            f"{server}/v2/customers",
            json={"refId": ref_ids[i], "name": f"Load {i}"},
            headers={"PLANBOK-X-API-KEY": key},
            timeout=60,
        )

    responses = burst(send)
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * BURST, sorted(statuses)
    returned = [(r.json()["data"]["refId"], r.json()["data"]["id"]) for r in responses]
    assert sorted(ref for ref, _ in returned) == sorted(ref_ids)
    rows = Customer.objects.filter(organization=organization)
    assert rows.count() == BURST
    assert sorted(rows.values_list("ref_id", flat=True)) == sorted(ref_ids)
    assert {str(pk) for pk in rows.values_list("id", flat=True)} == {cid for _, cid in returned}
    organization.refresh_from_db()
    assert organization.customer_count == BURST
    assert Organization.objects.get(pk=organization.pk).customer_count == rows.count()
