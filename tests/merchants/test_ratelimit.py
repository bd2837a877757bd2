"""Rate limits: 10/60 s per client on Create Account, per IP on the token endpoints,
failed logins per account, fail-closed without a cache, and two processes sharing Redis."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django_ratelimit.core import _get_window

from merchants import services
from merchants.models import Account
from merchants.tokens import ClientAccessToken

from .factories import VALID_PASSWORD, valid_body

THROTTLED = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = pytest.mark.django_db


class _FrozenClock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _one_window(request, monkeypatch):
    """In-process tests stay inside one fixed window (no rollover mid-test, no flakiness).
    The multi-process test runs on the servers' real clocks instead."""
    if request.node.get_closest_marker("redis") is None:
        import django_ratelimit.core

        monkeypatch.setattr(django_ratelimit.core, "time", _FrozenClock())


def _create(api, body, token=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return api.post("/v2/account", body, format="json", **extra)


def _assert_throttled(response, window: int = 60):
    assert response.status_code == 429
    assert response.json() == THROTTLED
    assert 1 <= int(response["Retry-After"]) <= window


def test_eleventh_create_within_a_minute_is_429_with_headers(api, client_token, body):
    remaining = []
    for i in range(10):
        # Failing validation counts as a request too.
        data = body() if i % 2 == 0 else body(pin="1")
        response = _create(api, data, client_token)
        assert response.status_code in (200, 400)
        assert response["X-RateLimit-Limit"] == "10"
        assert 1 <= int(response["X-RateLimit-Reset"]) <= 60
        remaining.append(int(response["X-RateLimit-Remaining"]))
    assert remaining == list(range(9, -1, -1))
    before = Account.objects.count()
    response = _create(api, body(), client_token)
    _assert_throttled(response)
    assert Account.objects.count() == before == 5


def test_limit_is_per_client(api, partner, client_token, body, secret_registry):
    for _ in range(10):
        assert _create(api, body(), client_token).status_code == 200
    _assert_throttled(_create(api, body(), client_token))
    other, _secret = services.api_client_create(name="Partner Two")
    secret_registry.add(_secret)
    other_token = str(ClientAccessToken.for_client(other))
    secret_registry.add(other_token)
    assert _create(api, body(), other_token).status_code == 200


def test_token_guessing_is_limited_per_ip(api, client_token, body, secret_registry):
    for i in range(10):
        response = _create(api, body(), f"guess.{i}.token")
        assert response.status_code == 401
    _assert_throttled(_create(api, body(), "guess.11.token"))
    _assert_throttled(_create(api, body()))  # no token at all: same IP budget
    # A valid client is counted on its own key, not the IP's.
    assert _create(api, body(), client_token).status_code == 200


def test_client_token_endpoint_is_limited_per_ip(api, partner):
    client, secret = partner
    for _ in range(10):
        response = api.post(
            "/v2/auth/token", {"clientId": client.client_id, "clientSecret": "wrong"}, format="json"
        )
        assert response.status_code == 401
        assert "X-RateLimit-Remaining" in response
    response = api.post(
        "/v2/auth/token", {"clientId": client.client_id, "clientSecret": secret}, format="json"
    )
    _assert_throttled(response)


def test_failed_logins_are_limited_per_account(api, account, partner, secret_registry):
    client, _ = partner
    for _ in range(5):
        response = api.post(
            "/v2/account/token", {"username": account.username, "password": "Wr0ng#Guess!"}, format="json"
        )
        assert response.status_code == 401
    # Even the right password is refused while the account is locked out.
    response = api.post(
        "/v2/account/token", {"username": account.username, "password": VALID_PASSWORD}, format="json"
    )
    _assert_throttled(response, 15 * 60)
    # The password change endpoint shares the per-account failure counter.
    response = api.post(
        "/v2/account/password",
        {"username": account.username, "currentPassword": VALID_PASSWORD, "newPassword": "An0ther#Passw0rd"},
        format="json",
    )
    _assert_throttled(response, 15 * 60)
    other = services.account_create(
        api_client=client,
        email="o@example.com",
        phone="+639181234567",
        first_name="Other",
        middle_name="",
        last_name="Person",
        username="other.person",
        password=VALID_PASSWORD,
        pin="1357",
    )
    response = api.post(
        "/v2/account/token", {"username": other.username, "password": VALID_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    secret_registry.add(response.json()["accessToken"], response.json()["refreshToken"])


def test_login_is_limited_per_ip(api, account):
    for i in range(10):
        response = api.post(
            "/v2/account/token", {"username": f"user{i}", "password": "Wr0ng#Guess!"}, format="json"
        )
        assert response.status_code == 401
    response = api.post(
        "/v2/account/token", {"username": account.username, "password": VALID_PASSWORD}, format="json"
    )
    _assert_throttled(response)


def test_refresh_is_limited_per_ip(api):
    for _ in range(10):
        response = api.post("/v2/account/token/refresh", {"refreshToken": "x.y.z"}, format="json")
        assert response.status_code == 401
    _assert_throttled(api.post("/v2/account/token/refresh", {"refreshToken": "x.y.z"}, format="json"))


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


# transaction=True: the 503 handler marks an open transaction for rollback, as in production.
@pytest.mark.django_db(transaction=True)
def test_limits_fail_closed_when_the_cache_is_down(api, client_token, partner, account, body):
    client, secret = partner
    with override_settings(CACHES=DEAD_REDIS):
        calls = [
            lambda: _create(api, body(), client_token),
            lambda: api.post(
                "/v2/auth/token", {"clientId": client.client_id, "clientSecret": secret}, format="json"
            ),
            lambda: api.post(
                "/v2/account/token", {"username": account.username, "password": VALID_PASSWORD}, format="json"
            ),
        ]
        for call in calls:
            response = call()
            assert response.status_code == 503
            body_ = response.json()
            assert body_["statusCode"] == 503 and body_["error"] == "Service Unavailable"
    assert Account.objects.count() == 1  # only the fixture's account


# --- several server processes sharing Redis --------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def two_servers():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    procs, urls = [], []
    logs = tempfile.TemporaryDirectory()
    try:
        for index in range(2):
            port = _free_port()
            log = open(Path(logs.name) / f"server{index}.log", "wb")
            procs.append(
                (
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "gunicorn",
                            "config.wsgi:application",
                            "-b",
                            f"127.0.0.1:{port}",
                            "-w",
                            "1",
                            "--timeout",
                            "30",
                        ],
                        cwd=BASE_DIR,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                try:
                    requests.get(f"{url}/v2/account", timeout=5)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise RuntimeError("test servers did not start") from None
                    time.sleep(0.2)
        yield urls
    finally:
        for proc, _log in procs:
            proc.terminate()
        for proc, log in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()
        logs.cleanup()


def _client_with_room_in_window(secret_registry, seconds: int = 30):
    """A client whose rate-limit window (django-ratelimit jitters it per key) has time left,
    so the 30 requests below surely fall inside one window."""
    for _ in range(40):
        client, secret = services.api_client_create(name="Window Partner")
        secret_registry.add(secret)
        window_end = _get_window(f"client:{client.client_id}", 60)
        if window_end - int(time.time()) >= seconds:
            return client
    raise RuntimeError("no client with room in its window")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_limit_holds_across_two_server_processes(two_servers, secret_registry):
    client = _client_with_room_in_window(secret_registry)
    token = str(ClientAccessToken.for_client(client))
    secret_registry.add(token)

    def send(i: int) -> requests.Response:
        data = valid_body(username=f"multi.{i}")
        return requests.post(
            f"{two_servers[i % 2]}/v2/account",
            json=data,
            timeout=20,
            headers={"Authorization": f"Bearer {token}"},
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, range(30)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 20, [r.content[:200] for r in responses]
    for r in responses:
        if r.status_code == 429:
            assert r.json() == THROTTLED and int(r.headers["Retry-After"]) >= 1
    assert Account.objects.filter(api_client=client).count() == 10
