"""idempotencyKey on every POST: replay of the first response, 409 for another request."""

import uuid

import pytest

from customers.models import Challenge, Customer, IdempotencyRecord

from .conftest import ORIGIN, counts, new_key

pytestmark = pytest.mark.django_db


def test_same_key_same_body_replays_the_first_response(api):
    key = new_key()
    first = api.post("/v2/customers", {"refId": "r1", "idempotencyKey": key})
    assert first.status_code == 201
    # Same JSON object, other key order and spacing: still the same request.
    replay = api.post("/v2/customers", raw=f'{{ "idempotencyKey" : "{key}",  "refId":"r1" }}')
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(ref_id="r1").count() == 1


def test_same_key_different_body_is_409_and_changes_nothing(api):
    key = new_key()
    api.post("/v2/customers", {"refId": "r1", "idempotencyKey": key})
    before = counts()
    response = api.post("/v2/customers", {"refId": "r2", "idempotencyKey": key})
    assert response.status_code == 409
    assert "idempotencyKey" in response.json()["errors"]
    assert counts() == before


def test_same_key_on_another_endpoint_is_409(api, customer):
    key = new_key()
    assert api.post("/v2/customers", {"refId": "r1", "idempotencyKey": key}).status_code == 201
    response = api.post(
        f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": f"{ORIGIN}/x", "idempotencyKey": key}
    )
    assert response.status_code == 409
    assert not Challenge.objects.exists()


def test_initialize_replay_returns_the_same_challenge(api, customer):
    key = new_key()
    body = {"redirectUrl": f"{ORIGIN}/x", "idempotencyKey": key}
    first = api.post(f"/v2/customers/{customer.pk}/initialize", body)
    second = api.post(f"/v2/customers/{customer.pk}/initialize", body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Challenge.objects.count() == 1
    assert Challenge.objects.get().status == "pending"  # not superseded by the retry


def test_keys_are_per_organization(api, other_api):
    key = new_key()
    assert api.post("/v2/customers", {"refId": "r", "idempotencyKey": key}).status_code == 201
    assert other_api.post("/v2/customers", {"refId": "r", "idempotencyKey": key}).status_code == 201


def test_a_failed_request_is_not_stored_so_the_retry_runs(api):
    api.post("/v2/customers", {"refId": "taken"})
    key = new_key()
    assert api.post("/v2/customers", {"refId": "taken", "idempotencyKey": key}).status_code == 409
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("value", ["nope", str(uuid.uuid1()), 12, "", str(uuid.uuid4()).replace("-", "")])
def test_key_must_be_a_uuid_v4_string(api, value):
    before = counts()
    response = api.post("/v2/customers", {"refId": "r", "idempotencyKey": value})
    assert response.status_code == 400
    assert "idempotencyKey" in response.json()["errors"]
    assert counts() == before
