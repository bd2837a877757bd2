"""Immediate revocation across processes: two gunicorn workers, each caching key checks.

Both workers first serve the key (so each has it cached), then the key is revoked, made
read-only, or its organization deleted from this process, and the very next requests,
whichever worker takes them, see the change.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from customers.models import ApiKey
from customers.services import api_key_create, api_key_revoke, organization_create

from .servers import TWO_WORKERS, server_connections

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _statuses(url: str, key: str, count: int, method: str = "get", body: dict | None = None) -> list[int]:
    """`count` requests, 8 at a time, so that both workers take some."""

    def one(i: int) -> int:
        headers = {"PLANBOK-X-API-KEY": key}
        if method == "get":
            return requests.get(f"{url}/v2/customers?limit=1", headers=headers, timeout=30).status_code
        payload = {k: (v.format(i=i) if isinstance(v, str) else v) for k, v in (body or {}).items()}
        return requests.post(f"{url}/v2/customers", json=payload, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture
def organization(transactional_db):
    return organization_create(name="Revocation Wallet", redirect_origins=["https://rev.example.com"])


def test_revoked_key_is_refused_by_every_worker_on_the_next_request(server, organization, secret_registry):
    api_key, raw = api_key_create(organization=organization)
    secret_registry.add(raw)
    assert _statuses(server, raw, 40) == [200] * 40
    assert server_connections() >= TWO_WORKERS  # both workers have checked the key and cached it
    api_key_revoke(api_key=api_key)
    assert _statuses(server, raw, 40) == [401] * 40


def test_key_made_restricted_cannot_write_in_any_worker(server, organization, secret_registry):
    api_key, raw = api_key_create(organization=organization)
    secret_registry.add(raw)
    body = {"refId": "rev-{i}"}
    assert _statuses(server, raw, 20, "post", body) == [201] * 20
    key = ApiKey.objects.get(pk=api_key.pk)
    key.kind = ApiKey.Kind.RESTRICTED
    key.save()
    body = {"refId": "rev-after-{i}"}
    assert _statuses(server, raw, 20, "post", body) == [403] * 20
    assert _statuses(server, raw, 10) == [200] * 10  # reads still work


def test_key_of_a_deleted_organization_is_refused_by_every_worker(server, transactional_db, secret_registry):
    doomed = organization_create(name="Doomed Wallet")
    _, raw = api_key_create(organization=doomed)
    secret_registry.add(raw)
    assert _statuses(server, raw, 40) == [200] * 40
    doomed.delete()
    assert _statuses(server, raw, 40) == [401] * 40


def test_other_keys_keep_working_after_a_revocation(server, organization, secret_registry):
    _, kept = api_key_create(organization=organization)
    revoked_key, revoked = api_key_create(organization=organization)
    secret_registry.add(kept, revoked)
    assert _statuses(server, kept, 20) == [200] * 20
    assert _statuses(server, revoked, 20) == [200] * 20
    api_key_revoke(api_key=revoked_key)
    assert _statuses(server, kept, 20) == [200] * 20
    assert _statuses(server, revoked, 20) == [401] * 20
