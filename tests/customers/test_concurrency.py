"""Concurrent requests against real PostgreSQL: no duplicates, no lost counts, no 500."""

import threading
from collections import Counter

import pytest
from django.db import connections

from customers.models import Challenge, Customer, IdempotencyRecord, Organization

from .conftest import ORIGIN, Api, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 20


def concurrently(key: str, calls):  # -> [(status, body text)]
    """Run each call on its own thread and DB connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            api = Api(key)
            barrier.wait(timeout=10)
            response = call(api)
            results[index] = (response.status_code, response.content.decode())
        except Exception as exc:  # surfaced by the assertions below
            results[index] = ("exception", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_creates_with_one_ref_id_give_one_201_and_nineteen_409(organization, full_key):
    results = concurrently(full_key, [lambda api: api.post("/v2/customers", {"refId": "dup"})] * N)
    assert Counter(status for status, _ in results) == {201: 1, 409: N - 1}, results
    assert Customer.objects.filter(ref_id="dup").count() == 1
    assert Organization.objects.get(pk=organization.pk).customer_count == 1


def test_twenty_creates_of_distinct_customers_keep_the_counter_exact(organization, full_key):
    calls = [lambda api, i=i: api.post("/v2/customers", {"refId": f"u{i}"}) for i in range(N)]
    results = concurrently(full_key, calls)
    assert [s for s, _ in results] == [201] * N, results
    assert Organization.objects.get(pk=organization.pk).customer_count == N == Customer.objects.count()


def test_twenty_initializes_with_one_idempotency_key_make_one_challenge(organization, full_key, customer):
    body = {"redirectUrl": f"{ORIGIN}/done", "idempotencyKey": new_key()}
    url = f"/v2/customers/{customer.pk}/initialize"
    results = concurrently(full_key, [lambda api: api.post(url, body)] * N)
    assert {s for s, _ in results} == {201}, results
    assert len({b for _, b in results}) == 1  # every response is the first one
    assert Challenge.objects.count() == 1
    assert Challenge.objects.get().status == "pending"
    assert IdempotencyRecord.objects.count() == 1


def test_twenty_creates_with_one_idempotency_key_make_one_customer(organization, full_key):
    body = {"refId": "once", "idempotencyKey": new_key()}
    results = concurrently(full_key, [lambda api: api.post("/v2/customers", body)] * N)
    assert {s for s, _ in results} == {201}, results
    assert len({b for _, b in results}) == 1
    assert Customer.objects.count() == 1


def test_twenty_initializes_without_key_leave_exactly_one_open_challenge(organization, full_key, customer):
    url = f"/v2/customers/{customer.pk}/initialize"
    results = concurrently(full_key, [lambda api: api.post(url, {"redirectUrl": f"{ORIGIN}/d"})] * N)
    assert {s for s, _ in results} == {201}, results
    assert Challenge.objects.count() == N
    assert Challenge.objects.filter(status="pending").count() == 1
    assert Challenge.objects.filter(status="failed", result={"reason": "superseded"}).count() == N - 1
