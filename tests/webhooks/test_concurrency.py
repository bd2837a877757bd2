"""Concurrent sweeps and drains on PostgreSQL: each expiry emits one event, each delivery is sent once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Challenge
from customers.services import challenges_expire_due, customer_create, customer_initialize
from webhooks.models import Attempt, Delivery, Event
from webhooks.services import endpoint_create, endpoint_drain

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(target, count: int = 4) -> list:
    results: list = []
    barrier = threading.Barrier(count)

    def run():
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_sweeps_expire_each_challenge_once(organization, receiver, secret_registry):
    secret_registry.add(endpoint_create(organization=organization, url=receiver.url)[1])
    for i in range(10):
        customer = customer_create(organization=organization, ref_id=f"user-{i}")
        customer_initialize(
            organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/r"
        )
    Challenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    results = in_threads(challenges_expire_due)
    assert sum(results) == 10
    assert Event.objects.filter(name="challenge.expired").count() == 10
    assert not Challenge.objects.exclude(status="expired").exists()


def test_concurrent_drains_of_one_endpoint_send_each_delivery_once(organization, receiver, secret_registry):
    endpoint, secret = endpoint_create(organization=organization, url=receiver.url)
    secret_registry.add(secret)
    for i in range(20):
        customer_create(organization=organization, ref_id=f"user-{i}")
    results = in_threads(lambda: endpoint_drain(endpoint_id=endpoint.pk))
    assert sum(results) == 20
    assert Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == 20
    assert Attempt.objects.count() == 20 and len(receiver.requests) == 20
