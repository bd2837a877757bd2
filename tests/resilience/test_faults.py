"""Faults: PostgreSQL stopped under load, Redis stopped, each started again under a running gunicorn.

The shared PostgreSQL and Redis of the machine are never touched: the module starts its
own throwaway cluster and redis-server on free loopback ports, stops and starts those,
and removes them in teardown whatever happens. Bounded: every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.merchants.factories import VALID_PASSWORD, VALID_PIN, valid_body

from .servers import BASE_DIR, PrivatePostgres, PrivateRedis, gunicorn, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.skipif(
        not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and shutil.which("initdb") is None,
        reason="needs PostgreSQL's initdb",
    ),
]

ORIGIN = "https://fault.example.com"
DB_NAME = "og_fault"


@dataclass
class Stack:
    pg: PrivatePostgres
    redis: PrivateRedis
    database_url: str
    api_key: str
    client_id: str
    client_secret: str

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url(0),
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def sql(self, query: str, *args: object) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(query, args).fetchall()


def _manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def stack():
    pg, redis = PrivatePostgres(), PrivateRedis()
    try:
        pg.init()
        pg.start()
        import psycopg

        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        redis.start()
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": pg.url(DB_NAME),
            "REDIS_URL": redis.url(0),
        }
        _manage(env, "migrate", "--noinput")
        org_id = _manage(
            env, "create_organization", "Fault Wallet", "--redirect-origin", ORIGIN
        ).splitlines()[-1]
        api_key = _manage(env, "create_api_key", org_id).splitlines()[-1]
        client_lines = _manage(env, "create_api_client", "Fault Partner").splitlines()
        creds = dict(line.split("=", 1) for line in client_lines if "=" in line)
        yield Stack(pg, redis, pg.url(DB_NAME), api_key, creds["clientId"], creds["clientSecret"])
    finally:
        redis.stop()
        pg.cleanup()


def _client_token(base: str, stack: Stack) -> str:
    response = requests.post(
        f"{base}/v2/auth/token",
        timeout=10,
        json={"clientId": stack.client_id, "clientSecret": stack.client_secret},
    )
    assert response.status_code == 200, response.text
    return response.json()["accessToken"]


def _is_json(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


# --- (a) PostgreSQL stops in the middle of a load run ---------------------------------


@dataclass
class Outcome:
    surface: str  # "customers" | "merchant"
    kind: str
    status: int | None
    body: object
    json: bool
    sent: dict


def _assert_clean(outcomes: list[Outcome]) -> None:
    """Every answer is JSON; every 5xx is a 503 in its surface's error shape."""
    for o in outcomes:
        assert o.status is not None, f"no answer at all: {o}"
        assert o.json, f"not JSON: {o.status} {str(o.body)[:200]}"
        if o.status >= 500:
            assert o.status == 503, o
            if o.surface == "customers":
                assert o.body["success"] is False and o.body["message"], o.body
            else:
                assert o.body["statusCode"] == 503 and o.body["message"], o.body


def test_postgres_stop_mid_load_gives_clean_503_loses_nothing_and_recovers(stack, secret_registry):
    secret_registry.add(VALID_PASSWORD, VALID_PIN, stack.client_secret, stack.api_key)
    env = stack.env(
        CUSTOMERS_RATE_LIMIT="100000/s",
        MERCHANT_RATE_LIMIT="100000/60s",
        MERCHANT_LOGIN_RATE_LIMIT="100000/60s",
    )
    with gunicorn(env, workers=2) as server:
        base = server.url
        token = _client_token(base, stack)
        secret_registry.add(token)
        key_headers = {"PLANBOK-X-API-KEY": stack.api_key}
        outcomes: list[Outcome] = []
        lock = threading.Lock()
        stop = threading.Event()
        seq = iter(range(10**9))

        def one(kind: str) -> Outcome:
            n = next(seq)
            if kind == "customer":
                sent = {
                    "refId": f"fault-{uuid.uuid4().hex}",
                    "name": f"Fault {n}",
                    "idempotencyKey": str(uuid.uuid4()),
                }
                url, headers, surface = f"{base}/v2/customers", key_headers, "customers"
            elif kind == "list":
                sent, url, headers, surface = {}, f"{base}/v2/customers?limit=5", key_headers, "customers"
            else:
                sent = valid_body(username=f"fault.{uuid.uuid4().hex[:12]}")
                url, headers, surface = f"{base}/v2/account", {"Authorization": f"Bearer {token}"}, "merchant"
            try:
                if kind == "list":
                    r = requests.get(url, headers=headers, timeout=20)
                else:
                    r = requests.post(url, json=sent, headers=headers, timeout=20)
            except requests.RequestException as exc:
                return Outcome(surface, kind, None, repr(exc), False, sent)
            try:
                body = r.json()
            except ValueError:
                body = r.text[:300]
            return Outcome(surface, kind, r.status_code, body, _is_json(r), sent)

        def worker(kinds: tuple[str, ...]) -> None:
            i = 0
            while not stop.is_set():
                result = one(kinds[i % len(kinds)])
                i += 1
                with lock:
                    outcomes.append(result)

        def count_ok() -> int:
            with lock:
                return sum(1 for o in outcomes if o.status is not None and o.status < 300)

        with ThreadPoolExecutor(max_workers=4) as pool:
            jobs = [
                pool.submit(worker, ("customer", "list")),
                pool.submit(worker, ("customer",)),
                pool.submit(worker, ("account", "customer")),
                pool.submit(worker, ("list", "account")),
            ]
            try:
                wait_until(lambda: count_ok() >= 20, 30, "load before the fault")
                stack.pg.stop("fast")
                time.sleep(2.0)  # the gap: requests keep coming
                stack.pg.start()
                before = count_ok()
                # Served again by the same gunicorn (no restart): persistent connections
                # are health-checked and replaced.
                wait_until(lambda: count_ok() >= before + 20, 30, "service after PostgreSQL came back")
            finally:
                stop.set()
                for job in jobs:
                    job.result(timeout=60)

        _assert_clean(outcomes)
        unavailable = {o.surface for o in outcomes if o.status == 503}
        assert unavailable == {"customers", "merchant"}, "the gap should have been hit on both surfaces"

        # Nothing half-written: every row complete, counters exact, every success is stored.
        assert stack.sql(
            "SELECT count(*) FROM customers_customer WHERE ref_id = '' OR created_at IS NULL "
            "OR updated_at IS NULL OR organization_id IS NULL"
        ) == [(0,)]
        assert stack.sql(
            "SELECT count(*) FROM customers_organization o WHERE o.customer_count <> "
            "(SELECT count(*) FROM customers_customer c WHERE c.organization_id = o.id)"
        ) == [(0,)]
        created = [o.body["data"]["id"] for o in outcomes if o.kind == "customer" and o.status == 201]
        stored = {str(row[0]) for row in stack.sql("SELECT id FROM customers_customer")}
        assert created and set(created) <= stored
        assert stack.sql(
            "SELECT count(*) FROM accounts_account WHERE password_hash = '' "
            "OR length(pin_ciphertext) = 0 OR password_changed_at IS NULL"
        ) == [(0,)]
        accounts = {o.body["id"] for o in outcomes if o.kind == "account" and o.status == 200}
        assert accounts and accounts <= {row[0] for row in stack.sql("SELECT id FROM accounts_account")}
        # Idempotency: every stored record holds a complete first response for a stored customer;
        # a key whose request died in the gap was rolled back with it and runs for real on retry.
        records = stack.sql("SELECT status_code, response_body FROM customers_idempotencyrecord")
        assert records
        for status_code, body in records:
            assert status_code == 201
            assert str(json.loads(body)["data"]["id"]) in stored
        failed = [o for o in outcomes if o.kind == "customer" and o.status == 503][:5]
        for o in failed:
            r = requests.post(f"{base}/v2/customers", json=o.sent, headers=key_headers, timeout=20)
            assert r.status_code == 201, r.text
            assert stack.sql(
                "SELECT count(*) FROM customers_customer WHERE ref_id = %s", o.sent["refId"]
            ) == [(1,)]
        done = [o for o in outcomes if o.kind == "customer" and o.status == 201][:5]
        for o in done:
            r = requests.post(f"{base}/v2/customers", json=o.sent, headers=key_headers, timeout=20)
            assert r.status_code == 201 and r.json() == o.body


# --- (b) Redis stops ------------------------------------------------------------------


def _statuses(send, count: int) -> list[int]:
    return [send(i).status_code for i in range(count)]


def test_redis_stop_fails_secret_limits_closed_customers_open_and_limits_return(stack, secret_registry):
    secret_registry.add(VALID_PASSWORD, VALID_PIN, stack.client_secret, stack.api_key)
    limit = 5
    env = stack.env(
        CUSTOMERS_RATE_LIMIT=f"{limit}/s",
        MERCHANT_RATE_LIMIT=f"{limit}/60s",
        MERCHANT_LOGIN_RATE_LIMIT=f"{limit}/60s",
    )
    with gunicorn(env, workers=2) as server:
        base = server.url
        stack.redis.stop()
        stack.redis.start()  # a clean Redis: no counts left over from the other test
        token = _client_token(base, stack)
        secret_registry.add(token)
        bearer = {"Authorization": f"Bearer {token}"}
        key_headers = {"PLANBOK-X-API-KEY": stack.api_key}
        tag = uuid.uuid4().hex[:8]

        def create_account(i: int) -> requests.Response:
            return requests.post(
                f"{base}/v2/account", json=valid_body(username=f"redis.{tag}.{i}"), headers=bearer, timeout=20
            )

        def client_token(_: int) -> requests.Response:
            return requests.post(
                f"{base}/v2/auth/token",
                timeout=10,
                json={"clientId": stack.client_id, "clientSecret": stack.client_secret},
            )

        def login(_: int) -> requests.Response:
            return requests.post(
                f"{base}/v2/account/token",
                timeout=10,
                json={"username": f"redis.{tag}.0", "password": VALID_PASSWORD},
            )

        def list_customers(_: int) -> requests.Response:
            return requests.get(f"{base}/v2/customers?limit=1", headers=key_headers, timeout=10)

        assert create_account(0).status_code == 200

        stack.redis.stop()
        for send in (create_account, client_token, login):
            response = send(99)
            assert response.status_code == 503, (send.__name__, response.status_code, response.text)
            assert _is_json(response)
            assert response.json()["statusCode"] == 503 and response.json()["error"] == "Service Unavailable"
        # The customers API fails open: far past 5/s, nothing refused.
        assert _statuses(list_customers, 3 * limit) == [200] * (3 * limit)
        created = requests.post(
            f"{base}/v2/customers", json={"refId": f"redis-{tag}"}, headers=key_headers, timeout=10
        )
        assert created.status_code == 201, created.text
        challenge = requests.post(
            f"{base}/v2/customers/{created.json()['data']['id']}/initialize",
            json={"redirectUrl": f"{ORIGIN}/done"},
            headers=key_headers,
            timeout=10,
        )
        assert challenge.status_code == 201, challenge.text
        # The link is built on PUBLIC_BASE_URL; open it on this server (link → session page).
        link = urlsplit(challenge.json()["data"]["redirectUrl"])
        page = requests.get(f"{base}{link.path}?{link.query}", timeout=10)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert requests.get(f"{base}/v2/schema", timeout=10).status_code == 200
        assert requests.get(f"{base}/v2/docs", timeout=10).status_code == 200
        assert "rate limit cache unavailable; request allowed without limiting" in server.log()

        stack.redis.start()
        # The first call after the restart may still meet the pool's dead connection.
        wait_until(
            lambda: list_customers(0).status_code == 200 and client_token(0).status_code != 503,
            15,
            "limits after Redis came back",
        )
        # 2 * limit + 1 requests within seconds cross at most one window boundary: a 429 must show.
        for send in (create_account, client_token, login, list_customers):
            statuses = _statuses(send, 2 * limit + 1 if send is not list_customers else 6 * limit)
            assert 429 in statuses, (send.__name__, statuses)
            assert 503 not in statuses and 500 not in statuses, (send.__name__, statuses)
