"""Races on real PostgreSQL: one username created twenty times at once, two staff approving at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from merchants import services
from merchants.models import Account, Branch

from .factories import VALID_PASSWORD, valid_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(barrier: threading.Barrier, fn):
    def run(*args):
        try:
            barrier.wait(timeout=30)
            return fn(*args)
        finally:
            connection.close()

    return run


@override_settings(ONBOARDING={"BCRYPT_ROUNDS": 4, "MERCHANT_RATE_LIMIT": "100/60s"})
def test_twenty_concurrent_creates_of_one_username(client_token, secret_registry):
    secret_registry.add(VALID_PASSWORD)
    barrier = threading.Barrier(20)

    def create(i: int):
        api = APIClient()
        # Same name, different case in some requests: case does not make a new name.
        body = valid_body(username="Same.Name" if i % 2 else "same.name")
        response = api.post("/v2/account", body, format="json", HTTP_AUTHORIZATION=f"Bearer {client_token}")
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(_in_thread(barrier, create), range(20)))
    ok = [body for status, body in results if status == 200]
    taken = [
        body
        for status, body in results
        if status == 400
        and body == {"statusCode": 400, "message": "Username is not available", "error": "Bad Request"}
    ]
    assert len(ok) == 1 and len(taken) == 19, results
    assert Account.objects.count() == 1
    assert Account.objects.get().pk == ok[0]["id"]


def test_two_concurrent_approvals_make_one_branch(partner, secret_registry):
    client, _ = partner
    secret_registry.add(VALID_PASSWORD)
    account = services.account_create(
        api_client=client,
        email="r@example.com",
        phone="+639171234567",
        first_name="Race",
        middle_name="",
        last_name="Condition",
        username="race.cond",
        password=VALID_PASSWORD,
        pin="5821",
    )
    staff = [get_user_model().objects.create_user(f"staff{i}", is_staff=True) for i in range(2)]
    barrier = threading.Barrier(2)

    def approve(user):
        return services.account_approve(account=Account.objects.get(pk=account.pk), approved_by=user).pk

    with ThreadPoolExecutor(max_workers=2) as pool:
        branch_ids = list(pool.map(_in_thread(barrier, approve), staff))
    assert branch_ids[0] == branch_ids[1]
    assert Branch.objects.count() == 1
    account.refresh_from_db()
    assert account.status == Account.Status.APPROVED and account.branch_id == branch_ids[0]
