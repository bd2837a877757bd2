"""Delivery to real receivers on 127.0.0.1: signed once each, retried until it arrives, nothing made up."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import AuditEvent
from customers.models import Challenge
from customers.services import challenges_expire_due, customer_create, customer_initialize
from webhooks.models import Attempt, Delivery, Endpoint, Event
from webhooks.services import deliveries_requeue_overdue, endpoint_create, event_emit

from .conftest import Receiver, readme_verify, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def subscribe(organization, receiver, secret_registry, **kwargs):
    endpoint, secret = endpoint_create(organization=organization, url=receiver.url, **kwargs)
    secret_registry.add(secret)
    return endpoint, secret


def run_until_settled(timeout: float = 15.0) -> None:
    """Run the worker until no delivery is pending, letting backoff timers come due."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries_requeue_overdue()
        run_worker()
        if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return
        time.sleep(0.1)
    raise AssertionError("deliveries still pending")


def test_each_event_arrives_once_signed_over_the_raw_body(api, organization, receiver, secret_registry):
    _, secret = subscribe(organization, receiver, secret_registry)
    verify = readme_verify()
    created = api.post("/v2/customers", {"refId": "user-1", "name": "Ana"}).json()["data"]
    api.post("/v2/customers", {"refId": "user-2"})
    run_worker()
    bodies = receiver.wait_for(2)
    assert len(bodies) == 2
    for request in receiver.requests:
        assert verify(secret, request["headers"], request["body"])
        assert not verify(secret, request["headers"], request["body"] + b" ")
        assert not verify("whsec_wrong", request["headers"], request["body"])
    first = json.loads(bodies[0])
    assert set(first) == {"id", "event", "timestamp", "data", "idempotencyKey"}
    assert first["event"] == "customer.created" and first["data"] == created
    headers = receiver.requests[0]["headers"]
    assert headers["X-Webhook-Id"] == first["id"] and headers["X-Webhook-Event"] == "customer.created"
    assert [json.loads(b)["data"]["refId"] for b in bodies] == ["user-1", "user-2"]  # in order
    assert Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == 2
    attempt = Attempt.objects.first()
    assert attempt.status_code == 200 and attempt.succeeded and len(attempt.response_excerpt) == 1024
    # A later worker run sends nothing again.
    run_worker()
    assert len(receiver.requests) == 2


def test_during_a_rotation_both_signatures_verify(api, organization, receiver, secret_registry):
    endpoint, old = subscribe(organization, receiver, secret_registry)
    new = api.post(f"/v2/webhooks/{endpoint.pk}/rotate-secret").json()["data"]["secret"]
    secret_registry.add(new)
    verify = readme_verify()
    api.post(f"/v2/webhooks/{endpoint.pk}/test")
    run_worker()
    (request,) = receiver.requests
    assert request["headers"]["X-Webhook-Event"] == "webhook.test"
    assert len(request["headers"]["X-Webhook-Signature"].split(",")) == 2
    assert verify(new, request["headers"], request["body"]) and verify(
        old, request["headers"], request["body"]
    )


def test_a_receiver_down_for_a_while_gets_every_event_once(organization, secret_registry):
    receiver = Receiver()  # not listening yet: connection refused
    subscribe(organization, receiver, secret_registry)
    refs = [f"user-{i}" for i in range(6)]
    for ref in refs:
        customer_create(organization=organization, ref_id=ref)
    run_worker()
    assert Attempt.objects.filter(succeeded=False, error="connection refused").exists()
    assert not Delivery.objects.exclude(status=Delivery.Status.PENDING).exists()
    receiver.up()
    try:
        run_until_settled()
    finally:
        receiver.down()
    received = [json.loads(b) for b in receiver.bodies()]
    assert [r["data"]["refId"] for r in received] == refs  # each once, in order, none made up
    assert len({r["id"] for r in received}) == len(refs)
    assert set(Event.objects.values_list("id", flat=True)) == {
        __import__("uuid").UUID(r["id"]) for r in received
    }


@pytest.mark.parametrize("mode", ["error", "hang", "redirect", "reset"])
def test_failures_are_recorded_and_retried_until_delivered(organization, receiver, secret_registry, mode):
    receiver.mode = mode
    receiver.hang_seconds = 2  # past the 1 s test timeout
    subscribe(organization, receiver, secret_registry)
    customer_create(organization=organization, ref_id="user-1")
    run_worker()
    first = Attempt.objects.order_by("number").first()  # (a quick retry may have followed)
    assert not Attempt.objects.filter(succeeded=True).exists()
    expected = {"error": (500, ""), "hang": (None, "timeout"), "redirect": (302, ""), "reset": (None, None)}[
        mode
    ]
    assert first.status_code == expected[0]
    if expected[1] is not None:
        assert first.error == expected[1]
    else:
        assert first.error  # reset: a network error of some kind
    assert first.latency_ms < 1900
    assert receiver.bodies("/elsewhere") == []  # a redirect is never followed
    receiver.mode = "ok"
    run_until_settled()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempt_count >= 2
    assert len({json.loads(b)["id"] for b in receiver.bodies()}) == 1


def test_a_rolled_back_change_emits_nothing(organization, receiver, secret_registry):
    subscribe(organization, receiver, secret_registry)
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_create(organization=organization, ref_id="ghost")
        raise RuntimeError("the caller fails after the customer was written")
    run_worker()
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0
    assert receiver.requests == []


def test_expired_challenges_are_noticed_by_the_sweep(organization, receiver, secret_registry):
    subscribe(organization, receiver, secret_registry, events=["challenge.expired"])
    customer = customer_create(organization=organization, ref_id="user-1")
    challenge = customer_initialize(
        organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/r"
    )
    assert challenges_expire_due() == 0
    Challenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert challenges_expire_due() == 1
    assert challenges_expire_due() == 0  # once
    run_worker()
    (body,) = receiver.wait_for(1)
    payload = json.loads(body)
    assert payload["event"] == "challenge.expired"
    assert payload["data"]["challengeId"] == str(challenge.pk) and payload["data"]["status"] == "expired"
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.EXPIRED


def test_a_url_that_turns_private_is_refused_at_delivery(organization, receiver, settings, secret_registry):
    subscribe(organization, receiver, secret_registry)  # accepted while loopback was allowed
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}
    customer_create(organization=organization, ref_id="user-1")
    run_worker()
    attempts = list(Attempt.objects.all())
    assert attempts and all(not a.succeeded and a.error.startswith("refused:") for a in attempts)
    assert receiver.requests == []


def test_after_the_retry_window_the_delivery_fails_and_can_be_resent(
    api, organization, receiver, settings, secret_registry
):
    endpoint, _ = subscribe(organization, receiver, secret_registry)
    receiver.mode = "error"
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_RETRY_WINDOW_SECONDS": 0.3}
    customer_create(organization=organization, ref_id="user-1")
    deadline = time.monotonic() + 10
    while Delivery.objects.filter(status=Delivery.Status.PENDING).exists() and time.monotonic() < deadline:
        deliveries_requeue_overdue()
        run_worker()
        time.sleep(0.1)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempt_count >= 2
    failed = api.get(f"/v2/webhooks/{endpoint.pk}/deliveries", {"status": "failed"}).json()["data"]
    assert [d["id"] for d in failed] == [str(delivery.pk)]
    assert all(a["statusCode"] == 500 and a["responseExcerpt"] == "nope" for a in failed[0]["attempts"])
    receiver.mode = "ok"
    assert api.post(f"/v2/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry").status_code == 202
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED


def test_an_endpoint_failing_every_attempt_for_3_days_is_disabled(organization, receiver, secret_registry):
    endpoint, _ = subscribe(organization, receiver, secret_registry)
    receiver.mode = "error"
    customer_create(organization=organization, ref_id="user-1")
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is not None
    # Its failures started three days ago (every attempt since has failed).
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=3))
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliveries_requeue_overdue()
    run_worker()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "failed" in endpoint.disabled_reason
    assert AuditEvent.objects.filter(action="webhook_endpoint.disable", target_id=str(endpoint.pk)).exists()
    sent = len(receiver.requests)
    customer_create(organization=organization, ref_id="user-2")  # a disabled endpoint gets nothing new
    run_worker()
    assert len(receiver.requests) == sent


def test_a_success_ends_the_failure_streak(organization, receiver, secret_registry):
    endpoint, _ = subscribe(organization, receiver, secret_registry)
    receiver.mode = "error"
    event_emit(organization=organization, event="customer.created", data={})
    run_worker()
    receiver.mode = "ok"
    run_until_settled()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.enabled
