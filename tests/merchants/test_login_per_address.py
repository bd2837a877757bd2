"""Login failures count per account and address (issue 12, item 6): a guesser at one address
does not lock the owner out elsewhere; a per-account ceiling still stops many addresses; the
address is the TCP peer unless TRUSTED_PROXIES names the load balancers."""

import time

import pytest
from django.test import override_settings

from core.models import AuditEvent

from .factories import VALID_PASSWORD

pytestmark = pytest.mark.django_db
WRONG = "Wr0ng#Guess!"
A, B, LB = "203.0.113.10", "198.51.100.20", "10.0.0.7"


class _FrozenClock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FrozenClock())


def _login(api, username, password, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return api.post("/v2/account/token", {"username": username, "password": password}, format="json", **extra)


def test_five_wrong_logins_from_one_address_do_not_lock_the_owner_elsewhere(api, account, secret_registry):
    secret_registry.add(WRONG)
    for _ in range(5):
        assert _login(api, account.username, WRONG, A).status_code == 401
    # The attacker's address is locked out, even with the right password...
    locked = _login(api, account.username, VALID_PASSWORD, A)
    assert locked.status_code == 429
    assert locked.json() == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    # ...the owner, from another address, signs in.
    owner = _login(api, account.username, VALID_PASSWORD, B)
    assert owner.status_code == 200
    secret_registry.add(owner.json()["accessToken"], owner.json()["refreshToken"])
    row = AuditEvent.objects.get(action="merchant_account.login_locked", target_id=str(account.pk))
    assert row.data == {"ip_address": A}


@override_settings(
    ONBOARDING={"MERCHANT_LOGIN_ACCOUNT_FAILURE_LIMIT": "8/15m", "MERCHANT_LOGIN_RATE_LIMIT": "100/60s"}
)
def test_a_per_account_ceiling_stops_guesses_spread_over_many_addresses(api, account, secret_registry):
    secret_registry.add(WRONG)
    for i in range(8):
        assert _login(api, account.username, WRONG, f"192.0.2.{i + 1}").status_code == 401
    assert _login(api, account.username, VALID_PASSWORD, B).status_code == 429
    assert AuditEvent.objects.filter(action="merchant_account.login_locked").count() == 1


def test_a_forged_forwarded_header_is_ignored_without_trusted_proxies(api, account, secret_registry):
    secret_registry.add(WRONG)
    for i in range(5):
        response = _login(api, account.username, WRONG, A, forwarded=f"192.0.2.{i + 1}")
        assert response.status_code == 401
    # Every attempt counted under the TCP peer, whatever the header claimed.
    assert _login(api, account.username, VALID_PASSWORD, A, forwarded="192.0.2.99").status_code == 429
    row = AuditEvent.objects.get(action="merchant_account.login_locked")
    assert row.data == {"ip_address": A}


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_load_balancer_the_forwarded_client_is_counted(api, account, secret_registry):
    secret_registry.add(WRONG)
    for _ in range(5):
        assert _login(api, account.username, WRONG, LB, forwarded=f"6.6.6.6, {A}").status_code == 401
    assert _login(api, account.username, VALID_PASSWORD, LB, forwarded=A).status_code == 429
    owner = _login(api, account.username, VALID_PASSWORD, LB, forwarded=B)
    assert owner.status_code == 200
    secret_registry.add(owner.json()["accessToken"], owner.json()["refreshToken"])
    assert AuditEvent.objects.get(action="merchant_account.login_locked").data == {"ip_address": A}
