"""The per-worker API-key cache, validated on every request by the revocation epoch.

Every test first makes a request so the key is cached, then changes something and checks
that the very next request sees it.
"""

import logging
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.crypto import sha256_hex
from customers import throttling
from customers.authentication import api_key_cache_clear
from customers.models import ApiKey, Customer
from customers.throttling import EPOCH_NAME, epoch_bump, gate_read, parse_rate

from .conftest import Api

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _empty_key_cache():
    api_key_cache_clear()
    yield
    api_key_cache_clear()


def _key_row(raw: str) -> ApiKey:
    return ApiKey.objects.get(key_hash=sha256_hex(raw))


def _key_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "customers_apikey" in q["sql"]]


def _revoke_behind_the_cache(raw: str) -> None:
    """A revocation that moves no epoch (as SQL typed by hand would)."""
    ApiKey.objects.filter(pk=_key_row(raw).pk).update(revoked_at=_key_row(raw).created_at)


def test_a_cached_key_is_trusted_only_while_the_epoch_holds(api, full_key):
    assert api.get("/v2/customers").status_code == 200
    _revoke_behind_the_cache(full_key)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/v2/customers").status_code == 200  # the epoch did not move: cached
    assert _key_queries(ctx) == []
    epoch_bump()  # what any other process's revocation does
    response = api.get("/v2/customers")
    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Invalid or revoked API key"}


def test_key_made_restricted_in_the_admin_cannot_write_on_the_next_request(api, full_key):
    assert api.post("/v2/customers", {"refId": "before"}).status_code == 201
    key = _key_row(full_key)
    key.kind = ApiKey.Kind.RESTRICTED
    key.save()  # the admin's change form
    response = api.post("/v2/customers", {"refId": "after"})
    assert response.status_code == 403
    assert not Customer.objects.filter(ref_id="after").exists()


def test_key_of_a_deleted_organization_is_refused_on_the_next_request(api, organization):
    assert api.get("/v2/customers").status_code == 200
    organization.delete()
    response = api.get("/v2/customers")
    assert response.status_code == 401
    assert response.json()["success"] is False


def test_key_deleted_on_its_own_is_refused(api, full_key):
    assert api.get("/v2/customers").status_code == 200
    _key_row(full_key).delete()
    assert api.get("/v2/customers").status_code == 401


def test_wrong_secret_behind_a_cached_prefix_is_refused(api, full_key):
    assert api.get("/v2/customers").status_code == 200
    forged = full_key[:17] + ("A" if full_key[17] != "A" else "B") + full_key[18:]
    assert Api(forged).get("/v2/customers").status_code == 401
    assert api.get("/v2/customers").status_code == 200


def test_lost_epoch_makes_every_worker_check_again(api, full_key):
    assert api.get("/v2/customers").status_code == 200
    _revoke_behind_the_cache(full_key)
    cache.clear()  # Redis restarted empty or was flushed: the epoch is gone
    assert api.get("/v2/customers").status_code == 401


def test_cache_down_checks_every_key_in_postgresql(api, full_key, caplog):
    assert api.get("/v2/customers").status_code == 200  # cached under the live cache
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/v2/customers").status_code == 200  # fail open, key from PostgreSQL
        assert _key_queries(ctx)
        _revoke_behind_the_cache(full_key)
        response = api.get("/v2/customers")
    assert response.status_code == 401
    assert "rate limit cache unavailable; request allowed without limiting" in caplog.text
    assert full_key not in caplog.text and full_key[4:16] not in caplog.text


def test_revocation_while_the_cache_is_down_holds_when_it_returns(api, full_key, caplog):
    assert api.get("/v2/customers").status_code == 200
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING):
        from customers.services import api_key_revoke

        api_key_revoke(api_key=_key_row(full_key))  # the epoch cannot move now
        assert "revocation epoch not moved" in caplog.text
        assert api.get("/v2/customers").status_code == 401
    # Back: this worker dropped what it had cached while the cache was away.
    assert api.get("/v2/customers").status_code == 401


@pytest.mark.redis
def test_epoch_of_the_wrong_type_checks_keys_in_postgresql_and_still_counts(api, full_key, settings):
    from django_redis import get_redis_connection

    assert api.get("/v2/customers").status_code == 200
    client = get_redis_connection("default")
    name = cache.make_key(EPOCH_NAME)
    client.delete(name)
    client.rpush(name, "not", "a", "string")  # GET on a list: WRONGTYPE
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/v2/customers").status_code == 200
    assert _key_queries(ctx)  # checked in PostgreSQL, not trusted from the cache
    settings.ONBOARDING = {**settings.ONBOARDING, "CUSTOMERS_RATE_LIMIT": "2/m"}
    statuses = [api.get("/v2/customers").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the counter still works in the same script
    _revoke_behind_the_cache(full_key)
    assert api.get("/v2/customers").status_code == 401


@pytest.mark.redis
def test_cached_request_makes_one_redis_round_trip_and_no_key_query(api, customer, monkeypatch):
    from redis.connection import AbstractConnection

    api.get(f"/v2/customers/{customer.pk}")
    api.get(f"/v2/customers/{customer.pk}")
    calls = []
    original = AbstractConnection.read_response

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "read_response", counting)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(f"/v2/customers/{customer.pk}").status_code == 200
    assert len(calls) == 1
    assert len(ctx.captured_queries) == 1  # the customer


# --- the gate itself: counter and epoch in one call ----------------------------------


def test_gate_counts_per_key_within_the_window_and_reads_one_epoch():
    first = gate_read(key_id="k1", rate="3/m")
    second = gate_read(key_id="k1", rate="3/m")
    other = gate_read(key_id="k2", rate="3/m")
    assert (first.count, second.count, other.count) == (1, 2, 1)
    assert first.limit == 3 and first.period == 60 and 0 < second.reset_in <= 60
    assert first.epoch and first.epoch == second.epoch == other.epoch
    assert [gate_read(key_id="k1", rate="3/m").over_limit for _ in range(2)] == [False, True]


def test_epoch_alone_is_read_without_counting():
    gate = gate_read(key_id=None, rate="3/m")
    assert gate.count is None and gate.epoch
    assert gate_read(key_id="k1", rate="3/m").count == 1


def test_bump_gives_the_epoch_a_new_value():
    before = gate_read(key_id=None, rate="1/s").epoch
    epoch_bump()
    after = gate_read(key_id=None, rate="1/s").epoch
    assert after and after != before
    epoch_bump()
    assert gate_read(key_id=None, rate="1/s").epoch not in (before, after)


@pytest.mark.redis
def test_window_ends_and_counting_starts_again():
    assert [gate_read(key_id="w", rate="2/s").count for _ in range(3)] == [1, 2, 3]
    time.sleep(1.1)
    assert gate_read(key_id="w", rate="2/s").count == 1


@pytest.mark.redis
def test_gate_is_one_script_call_on_redis():
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    client.script_flush()
    gate_read(key_id="s", rate="5/s")  # loads the script once (EVALSHA, then EVAL on NOSCRIPT)
    assert client.script_exists(throttling.GATE_SHA) == [True]


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("10/s", (10, 1)), ("100/60s", (100, 60)), ("5/15m", (5, 900)), ("7/h", (7, 3600)), ("1/d", (1, 86400))],
)
def test_rates_in_django_ratelimit_notation(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "10", "ten/s", "10/x", "10/-5s"])
def test_a_bad_rate_is_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.mark.redis
def test_gate_survives_redis_dropping_its_connection():
    """The gate keeps a connection of its own: when Redis drops it (a restart, a timeout, a
    CLIENT KILL), the next request reconnects instead of failing open."""
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    assert gate_read(key_id="d", rate="5/s").count == 1
    killed = client.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1
    gate = gate_read(key_id="d", rate="5/s")
    assert gate.available and gate.count == 2 and gate.epoch is not None


@pytest.mark.redis
def test_a_redis_that_does_not_answer_costs_one_timeout(monkeypatch):
    """A timeout is not retried (a stale connection is): the request fails open after one
    wait, not two."""
    from django_redis import get_redis_connection
    from redis.exceptions import TimeoutError as RedisTimeoutError

    gate_read(key_id="t", rate="5/s")  # the thread's gate connection has answered once
    connection_class = get_redis_connection("default").connection_pool.connection_class
    sent = []
    send = connection_class.send_command

    def counted(self, *args, **kwargs):
        sent.append(args[0])
        return send(self, *args, **kwargs)

    def silent(self, *args, **kwargs):
        raise RedisTimeoutError("Timeout reading from socket")

    monkeypatch.setattr(connection_class, "send_command", counted)
    monkeypatch.setattr(connection_class, "read_response", silent)
    with pytest.raises(RedisTimeoutError):
        gate_read(key_id="t", rate="5/s")
    assert sent == ["EVALSHA"]  # one attempt
    monkeypatch.undo()
    assert gate_read(key_id="t", rate="5/s").available
