"""The /v2/webhooks API: endpoints, secrets shown once, bad input refused with nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import endpoint_create, endpoint_signing_secrets, event_emit


def put(api, path, body):
    return api.client.put(path, json.dumps(body), content_type="application/json", headers=api.headers(None))


def delete(api, path):
    return api.client.delete(path, headers=api.headers(None))


def state():
    """What a refused request must leave unchanged."""
    return (
        list(Endpoint.objects.order_by("pk").values()),
        Event.objects.count(),
        list(Delivery.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def endpoint(organization, receiver):
    return endpoint_create(organization=organization, url=receiver.url)[0]


def test_create_shows_the_secret_once_and_stores_it_encrypted(api, receiver, secret_registry):
    response = api.post(
        "/v2/webhooks", {"url": receiver.url, "events": ["customer.created"], "description": "d"}
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    secret = data["secret"]
    secret_registry.add(secret)
    assert secret.startswith("whsec_") and len(secret) > 40
    assert data["events"] == ["customer.created"] and data["enabled"] is True and data["url"] == receiver.url
    endpoint = Endpoint.objects.get(pk=data["id"])
    assert secret.encode() not in bytes(endpoint.secret_enc)
    assert endpoint_signing_secrets(endpoint=endpoint) == [secret]
    for body in (api.get(f"/v2/webhooks/{data['id']}").json(), api.get("/v2/webhooks").json()):
        assert secret not in json.dumps(body) and "secret" not in json.dumps(body["data"]).replace(
            "Secret", ""
        )
    assert AuditEvent.objects.filter(action="webhook_endpoint.create", target_id=data["id"]).exists()


def test_idempotent_create_replays_without_the_secret(api, receiver, secret_registry):
    body = {"url": receiver.url, "idempotencyKey": "0b7f2f4e-2a57-4c3c-9a57-6c1f3c8f1a01"}
    first = api.post("/v2/webhooks", body)
    secret_registry.add(first.json()["data"]["secret"])
    again = api.post("/v2/webhooks", body)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert "secret" not in again.json()["data"]
    assert Endpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.com/x"}, "url"),  # not https (loopback not allowed here)
        ({"url": "https://10.0.0.8/x"}, "url"),
        ({"url": "https://192.168.1.20/x"}, "url"),
        ({"url": "https://172.16.0.1/x"}, "url"),
        ({"url": "https://127.0.0.1:8443/x"}, "url"),
        ({"url": "https://localhost/x"}, "url"),
        ({"url": "https://[::1]/x"}, "url"),
        ({"url": "https://169.254.169.254/latest/meta-data"}, "url"),  # cloud metadata, link-local
        ({"url": "https://[fe80::1]/x"}, "url"),
        ({"url": "https://224.0.0.251/x"}, "url"),  # multicast
        ({"url": "https://[::ffff:10.0.0.1]/x"}, "url"),  # IPv4-mapped private
        ({"url": "https://100.64.0.1/x"}, "url"),  # carrier-grade NAT
        ({"url": "https://0.0.0.0/x"}, "url"),
        ({"url": "https://user:pw@93.184.215.14/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://93.184.215.14/" + "a" * 2100}, "url"),
        ({"url": 42}, "url"),
        ({}, "url"),
        ({"url": "https://93.184.215.14/x", "events": ["customer.deleted"]}, "events"),
        ({"url": "https://93.184.215.14/x", "events": ["webhook.test"]}, "events"),
        ({"url": "https://93.184.215.14/x", "events": "customer.created"}, "events"),
        ({"url": "https://93.184.215.14/x", "description": "x" * 256}, "description"),
        ({"url": "https://93.184.215.14/x", "enabled": "yes"}, "enabled"),
    ],
)
def test_bad_endpoints_are_400_and_change_nothing(api, settings, body, field):
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}
    before = state()
    response = api.post("/v2/webhooks", body)
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert payload["success"] is False and field in payload["errors"], payload
    assert state() == before


def test_a_public_address_is_accepted_in_production_mode(api, settings, secret_registry):
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}
    response = api.post("/v2/webhooks", {"url": "https://93.184.215.14/hooks?x=1"})
    assert response.status_code == 201, response.json()
    secret_registry.add(response.json()["data"]["secret"])


def test_another_organizations_webhook_is_404_and_untouched(other_api, endpoint):
    before = state()
    base = f"/v2/webhooks/{endpoint.pk}"
    delivery_path = f"{base}/deliveries/00000000-0000-4000-8000-000000000000"
    responses = [
        other_api.get(base),
        put(other_api, base, {"enabled": False}),
        delete(other_api, base),
        other_api.post(f"{base}/rotate-secret"),
        other_api.post(f"{base}/test"),
        other_api.get(f"{base}/deliveries"),
        other_api.get(delivery_path),
        other_api.post(f"{delivery_path}/retry"),
        other_api.get("/v2/webhooks/not-a-uuid"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json()["success"] is False for r in responses)
    assert other_api.get("/v2/webhooks").json()["data"] == []
    assert state() == before


def test_restricted_key_reads_but_cannot_write(restricted_api, endpoint):
    before = state()
    base = f"/v2/webhooks/{endpoint.pk}"
    assert restricted_api.get("/v2/webhooks").status_code == 200
    assert restricted_api.get(base).status_code == 200
    assert restricted_api.get(f"{base}/deliveries").status_code == 200
    writes = [
        restricted_api.post("/v2/webhooks", {"url": endpoint.url}),
        put(restricted_api, base, {"enabled": False}),
        delete(restricted_api, base),
        restricted_api.post(f"{base}/rotate-secret"),
        restricted_api.post(f"{base}/test"),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert state() == before


def test_update_and_delete(api, endpoint):
    base = f"/v2/webhooks/{endpoint.pk}"
    response = put(api, base, {"events": ["challenge.verified", "customer.created"], "description": "new"})
    assert response.status_code == 200
    assert response.json()["data"]["events"] == ["challenge.verified", "customer.created"]
    assert response.json()["data"]["description"] == "new"
    before = state()
    assert put(api, base, {"events": ["nope"]}).status_code == 400
    assert put(api, base, {"url": "https://10.1.2.3/"}).status_code == 400
    assert state() == before
    assert delete(api, base).status_code == 200
    assert api.get(base).status_code == 404


def test_rotation_signs_with_both_secrets_for_24_hours(api, endpoint, secret_registry):
    old = endpoint_signing_secrets(endpoint=endpoint)
    response = api.post(f"/v2/webhooks/{endpoint.pk}/rotate-secret")
    assert response.status_code == 200
    new = response.json()["data"]["secret"]
    secret_registry.add(new, *old)
    endpoint.refresh_from_db()
    assert endpoint_signing_secrets(endpoint=endpoint) == [new, *old]
    later = timezone.now() + timedelta(hours=24, seconds=1)
    assert endpoint_signing_secrets(endpoint=endpoint, now=later) == [new]
    assert "secret" not in api.get(f"/v2/webhooks/{endpoint.pk}").json()["data"]


def test_retry_of_a_succeeded_delivery_is_409_and_changes_nothing(api, organization, endpoint):
    event = event_emit(organization=organization, event="customer.created", data={"id": "c1"})
    delivery = Delivery.objects.get(event=event)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SUCCEEDED, completed_at=timezone.now()
    )
    before = state()
    response = api.post(f"/v2/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry")
    assert response.status_code == 409 and response.json()["success"] is False
    assert state() == before


def test_retry_of_a_failed_delivery_queues_it_again(api, organization, endpoint):
    event = event_emit(organization=organization, event="customer.created", data={"id": "c1"})
    Delivery.objects.filter(event=event).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    delivery = Delivery.objects.get(event=event)
    response = api.post(f"/v2/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry")
    assert response.status_code == 202, response.json()
    assert response.json()["data"]["status"] == "pending"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at is not None
    assert AuditEvent.objects.filter(action="webhook_delivery.retry", target_id=str(delivery.pk)).exists()


def test_deliveries_list_filters_by_status_and_event(api, organization, endpoint):
    a = event_emit(organization=organization, event="customer.created", data={"n": 1})
    event_emit(organization=organization, event="challenge.verified", data={"n": 2})
    Delivery.objects.filter(event=a).update(status=Delivery.Status.FAILED)
    base = f"/v2/webhooks/{endpoint.pk}/deliveries"
    everything = api.get(base).json()
    assert everything["pagination"]["total"] == 2
    assert [d["event"] for d in everything["data"]] == ["challenge.verified", "customer.created"]
    failed = api.get(base, {"status": "failed"}).json()["data"]
    assert [d["eventId"] for d in failed] == [str(a.pk)]
    verified = api.get(base, {"event": "challenge.verified"}).json()["data"]
    assert [d["event"] for d in verified] == ["challenge.verified"]
    assert api.get(base, {"status": "lost"}).status_code == 400
    assert api.get(base, {"event": "customer.deleted"}).status_code == 400


def test_event_filter_and_disabled_endpoints_get_no_delivery(organization, receiver):
    only_verified = endpoint_create(
        organization=organization, url=receiver.url, events=["challenge.verified"]
    )[0]
    disabled = endpoint_create(organization=organization, url=receiver.url, enabled=False)[0]
    every = endpoint_create(organization=organization, url=receiver.url)[0]
    event = event_emit(organization=organization, event="customer.created", data={})
    assert list(Delivery.objects.filter(event=event).values_list("endpoint_id", flat=True)) == [every.pk]
    assert not Delivery.objects.filter(endpoint__in=[only_verified, disabled]).exists()


def test_an_event_nobody_subscribes_to_writes_nothing(organization):
    assert event_emit(organization=organization, event="customer.created", data={}) is None
    assert Event.objects.count() == 0
