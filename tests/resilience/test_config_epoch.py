"""Per-worker caches of an organization's settings see every change on the next request.

Two gunicorn workers serve the organization first (so each caches its webhook
subscriptions and its redirect allowlist under the organization config epoch); then the
setting changes in this process, and the very next requests, whichever worker takes
them, behave by the new setting.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from customers.models import Challenge, Customer, RedirectOrigin
from customers.services import api_key_create, customer_create, organization_create
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import endpoint_create, endpoint_delete, endpoint_disable, endpoint_update

from .servers import TWO_WORKERS, server_connections

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

HOOK = "http://127.0.0.1:9/hook"  # never answered: deliveries stay pending, which is all we count


@pytest.fixture
def org(transactional_db, secret_registry):
    organization = organization_create(name="Epoch Wallet", redirect_origins=["https://epoch.example.com"])
    _, raw = api_key_create(organization=organization)
    secret_registry.add(raw)
    return organization, raw


def _create(url: str, key: str, prefix: str, count: int) -> list[int]:
    """`count` customer creations, 8 at a time, so that both workers take some."""

    def one(i: int) -> int:
        body = {"refId": f"{prefix}-{i}"}
        return requests.post(
            f"{url}/v2/customers", json=body, headers={"PLANBOK-X-API-KEY": key}, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def _initialize(url: str, key: str, customer_ids: list[str], redirect: str) -> list[int]:
    def one(customer_id: str) -> int:
        return requests.post(
            f"{url}/v2/customers/{customer_id}/initialize",
            json={"redirectUrl": redirect},
            headers={"PLANBOK-X-API-KEY": key},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, customer_ids))


def _created_events(prefix: str) -> int:
    return sum(
        1
        for data in Event.objects.filter(name="customer.created").values_list("data", flat=True)
        if data["refId"].startswith(f"{prefix}-")
    )


def test_webhook_subscriptions_are_seen_by_every_worker_on_the_next_request(server, org):
    organization, key = org
    # Nobody subscribes: every worker remembers that, and creation emits nothing.
    assert _create(server, key, "before", 40) == [201] * 40
    assert server_connections() >= TWO_WORKERS
    assert _created_events("before") == 0
    # An endpoint appears: the very next creations, in every worker, emit to it.
    endpoint, _ = endpoint_create(organization=organization, url=HOOK, events=["customer.created"])
    assert _create(server, key, "subscribed", 40) == [201] * 40
    assert _created_events("subscribed") == 40
    assert Delivery.objects.filter(endpoint=endpoint, event__name="customer.created").count() == 40
    # It stops listening to customer.created: nothing more for it.
    endpoint_update(endpoint=endpoint, events=["challenge.failed"])
    assert _create(server, key, "refiltered", 20) == [201] * 20
    assert _created_events("refiltered") == 0
    # Listening to every event again, then disabled (a bulk UPDATE, as the delivery worker does).
    endpoint_update(endpoint=endpoint, events=[])
    assert _create(server, key, "all", 20) == [201] * 20
    assert _created_events("all") == 20
    endpoint_disable(endpoint=endpoint, reason="test")
    assert _create(server, key, "disabled", 20) == [201] * 20
    assert _created_events("disabled") == 0
    # Enabled again, then deleted: no delivery may point at a deleted endpoint (that would
    # fail the creation's commit).
    endpoint_update(endpoint=endpoint, enabled=True)
    assert _create(server, key, "enabled", 20) == [201] * 20
    assert _created_events("enabled") == 20
    endpoint_delete(endpoint=Endpoint.objects.get(pk=endpoint.pk))
    assert _create(server, key, "deleted", 20) == [201] * 20
    assert _created_events("deleted") == 0


def test_redirect_allowlist_changes_are_seen_by_every_worker_on_the_next_request(server, org):
    organization, key = org
    ids = [str(customer_create(organization=organization, ref_id=f"allow-{i}").pk) for i in range(40)]
    other = "https://other.example.com/back"
    assert _initialize(server, key, ids, "https://epoch.example.com/back") == [201] * 40
    assert _initialize(server, key, ids, other) == [400] * 40  # both workers cached the allowlist
    assert server_connections() >= TWO_WORKERS
    origin = RedirectOrigin.objects.create(organization=organization, origin="https://other.example.com")
    assert _initialize(server, key, ids, other) == [201] * 40
    origin.delete()
    assert _initialize(server, key, ids, other) == [400] * 40
    # Every accepted request made exactly one open challenge per customer, the others superseded.
    assert Challenge.objects.filter(customer__in=ids, status=Challenge.Status.PENDING).count() == 40
    assert Challenge.objects.filter(customer__in=ids).count() == 80
    assert Customer.objects.filter(pk__in=ids).count() == 40
