"""API-key authentication, key kinds, revocation and the cheap last-used time."""

import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.crypto import sha256_hex
from customers.models import ApiKey
from customers.services import api_key_create, api_key_revoke

from .conftest import ORIGIN, Api, counts

pytestmark = pytest.mark.django_db


def test_missing_header_is_401_in_the_envelope(organization):
    response = Api().get("/v2/customers")
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "PLANBOK-X-API-KEY" in response.json()["message"]


@pytest.mark.parametrize(
    "raw",
    [
        "nonsense",
        "ogk_000000000000_" + "A" * 43,
        "' OR 1=1 --",
        "ogk_" + "f" * 200,
    ],
)
def test_unknown_or_malformed_key_is_401(organization, raw):
    response = Api(raw).get("/v2/customers")
    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Invalid or revoked API key"}


def test_right_prefix_wrong_secret_is_401(full_key):
    forged = full_key[:17] + ("A" if full_key[17] != "A" else "B") + full_key[18:]
    assert Api(forged).get("/v2/customers").status_code == 401


def test_key_is_stored_only_as_hash_and_prefix(organization):
    api_key, raw = api_key_create(organization=organization)
    assert len(raw) >= 4 + 12 + 1 + 43  # 256 random bits after the lookup prefix
    assert api_key.key_hash == sha256_hex(raw)
    row = ApiKey.objects.filter(pk=api_key.pk).values().get()
    assert raw not in {str(v) for v in row.values()}
    assert raw.startswith(f"ogk_{api_key.prefix}_")


def test_revocation_is_immediate(api, full_key):
    assert api.get("/v2/customers").status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(key_hash=sha256_hex(full_key)))
    response = api.get("/v2/customers")
    assert response.status_code == 401
    assert response.json()["success"] is False


def test_restricted_key_reads_but_cannot_write(restricted_api, customer):
    assert restricted_api.get("/v2/customers").status_code == 200
    assert restricted_api.get(f"/v2/customers/{customer.pk}").status_code == 200
    before = counts()
    for path, body in [
        ("/v2/customers", {"refId": "x"}),
        (f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": f"{ORIGIN}/back"}),
        (f"/v2/customers/{customer.pk}/reset-pin", {"redirectUrl": f"{ORIGIN}/back"}),
    ]:
        response = restricted_api.post(path, body)
        assert response.status_code == 403
        assert response.json()["success"] is False
    assert counts() == before


def _apikey_updates(queries):
    return [q for q in queries if q["sql"].startswith("UPDATE") and "apikey" in q["sql"]]


def test_last_used_is_written_once_per_window_not_per_request(api, full_key):
    api_key = ApiKey.objects.get(key_hash=sha256_hex(full_key))
    assert api_key.last_used_at is None
    with CaptureQueriesContext(connection) as first:
        api.get("/v2/customers")
    assert len(_apikey_updates(first.captured_queries)) == 1
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    with CaptureQueriesContext(connection) as later:
        for _ in range(5):
            api.get("/v2/customers")
    assert _apikey_updates(later.captured_queries) == []


def test_a_key_is_read_from_the_database_once_then_costs_no_query(api, customer):
    with CaptureQueriesContext(connection) as first:
        assert api.get(f"/v2/customers/{customer.pk}").status_code == 200
    assert any("customers_apikey" in q["sql"] for q in first.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(f"/v2/customers/{customer.pk}").status_code == 200
    # The key check is remembered (validated by the revocation epoch): the customer alone.
    assert [q["sql"] for q in ctx.captured_queries if "customers_apikey" in q["sql"]] == []
    assert len(ctx.captured_queries) == 1


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_cache_down_lets_requests_through_and_never_logs_the_key(api, full_key, caplog):
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        response = api.get("/v2/customers")
    assert response.status_code == 200
    assert "rate limit cache unavailable" in caplog.text
    assert full_key not in caplog.text
    assert full_key[4:16] not in caplog.text
