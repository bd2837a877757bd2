"""initialize, reset-pin and the challenge reads: shapes, allowlist, expiry, supersession."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from customers.models import Challenge, Customer
from customers.services import customer_create
from tests.gateway.factories import link_spend

from .conftest import ORIGIN, counts

pytestmark = pytest.mark.django_db

CHALLENGE_FIELDS = {
    "id",
    "challengeId",
    "type",
    "status",
    "redirectUrl",
    "returnUrl",
    "expiresAt",
    "createdAt",
    "completedAt",
    "result",
    "locale",
}


def initialize(api, customer, url=f"{ORIGIN}/onboarding/done?session=abc", **extra):
    return api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": url, **extra})


def test_initialize_creates_a_challenge_with_a_working_gateway_link(api, customer):
    response = initialize(api, customer)
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["message"] == "Initialization challenge created"
    data = body["data"]
    assert set(data) == CHALLENGE_FIELDS
    assert data["id"] == data["challengeId"]
    assert data["type"] == "INITIALIZE" and data["status"] == "pending"
    assert data["returnUrl"] == f"{ORIGIN}/onboarding/done?session=abc"
    assert data["completedAt"] is None and data["result"] is None
    challenge = Challenge.objects.get(pk=data["challengeId"])
    assert abs(challenge.expires_at - challenge.created_at - timedelta(minutes=15)) < timedelta(seconds=1)
    assert data["redirectUrl"].startswith("http") and str(challenge.pk) in data["redirectUrl"]
    path = "/" + data["redirectUrl"].split("/", 3)[3]
    assert Client().get(path).status_code == 200  # the link's page: nothing spent yet
    opened = link_spend(Client(), challenge)
    assert opened.status_code == 303 and opened["Location"] == f"/gateway/s/{challenge.pk}/"


def test_pin_without_recovery_gets_a_challenge(api, customer):
    Customer.objects.filter(pk=customer.pk).update(has_pin=True)
    assert initialize(api, customer).status_code == 201


def test_initialized_customer_is_409(api, customer):
    Customer.objects.filter(pk=customer.pk).update(has_pin=True, has_recovery=True)
    before = counts()
    response = initialize(api, customer)
    assert response.status_code == 409
    assert response.json()["success"] is False
    assert counts() == before


def test_new_challenge_supersedes_the_open_one(api, customer):
    first = initialize(api, customer).json()["data"]
    second = initialize(api, customer).json()["data"]
    old = api.get(f"/v2/customers/{customer.pk}/challenges/{first['challengeId']}").json()["data"]
    assert old["status"] == "failed" and old["result"] == {"reason": "superseded"}
    assert old["completedAt"] is not None
    assert (
        api.get(f"/v2/customers/{customer.pk}/challenges/{second['challengeId']}").json()["data"]["status"]
        == "pending"
    )


def test_expired_challenge_is_not_superseded(api, customer):
    first = initialize(api, customer).json()["data"]
    Challenge.objects.filter(pk=first["challengeId"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    initialize(api, customer)
    old = api.get(f"/v2/customers/{customer.pk}/challenges/{first['challengeId']}").json()["data"]
    assert old["status"] == "expired" and old["result"] is None


def test_reset_pin_needs_pin_and_recovery(api, customer):
    url = f"/v2/customers/{customer.pk}/reset-pin"
    before = counts()
    assert api.post(url, {"redirectUrl": f"{ORIGIN}/r"}).status_code == 409
    assert counts() == before
    Customer.objects.filter(pk=customer.pk).update(has_pin=True, has_recovery=True)
    response = api.post(url, {"redirectUrl": f"{ORIGIN}/r"})
    assert response.status_code == 201
    assert response.json()["message"] == "PIN reset challenge created"
    assert response.json()["data"]["type"] == "RESET_PIN"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://app.example.com/back", "https"),
        ("https://evil.example.com/back", "allowlist"),
        ("https://app.example.com.evil.com/back", "allowlist"),
        ("https://app.example.com:8443/back", "allowlist"),
        ("https://user:pw@app.example.com/back", "credentials"),
        ("/relative/path", "valid"),
        ("app.example.com/back", "valid"),
        ("javascript:alert(1)", "valid"),
        ("ftp://app.example.com/x", "valid"),
        ("https://app.example.com/" + "a" * 2030, "2048"),
        ("", "blank"),
        ("http://localhost:8000/back", "https"),  # DEBUG is off in tests
    ],
)
def test_bad_redirect_url_is_400_and_changes_nothing(api, customer, url, reason):
    before = counts()
    response = initialize(api, customer, url=url)
    assert response.status_code == 400
    assert reason in " ".join(response.json()["errors"]["redirectUrl"])
    assert counts() == before


@pytest.mark.parametrize("value", [123, None, ["https://app.example.com"], {"u": 1}])
def test_redirect_url_of_wrong_type_is_400(api, customer, value):
    response = api.post(f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": value})
    assert response.status_code == 400
    assert "redirectUrl" in response.json()["errors"]


def test_default_port_and_host_case_match_the_allowlist(api, customer):
    assert initialize(api, customer, url="https://APP.example.com:443/x").status_code == 201


@override_settings(DEBUG=True)
def test_http_localhost_is_allowed_in_debug_when_allowlisted(api, customer):
    assert initialize(api, customer, url="http://localhost:8000/back").status_code == 201
    assert initialize(api, customer, url="http://localhost:9999/back").status_code == 400
    assert initialize(api, customer, url="http://127.0.0.1:8000/back").status_code == 400  # not listed


def test_unknown_foreign_and_non_uuid_customer_is_404(api, other_api, customer):
    body = {"redirectUrl": f"{ORIGIN}/x"}
    before = counts()
    assert api.post(f"/v2/customers/{uuid.uuid4()}/initialize", body).status_code == 404
    assert api.post("/v2/customers/nope/initialize", body).status_code == 404
    response = other_api.post(
        f"/v2/customers/{customer.pk}/initialize", {"redirectUrl": "https://other.example.com/x"}
    )
    assert response.status_code == 404
    assert counts() == before


def test_challenge_list_and_status_filter_use_the_effective_status(api, customer):
    ids = [initialize(api, customer).json()["data"]["challengeId"] for _ in range(3)]
    # ids[0], ids[1] superseded (failed); ids[2] open. Make the open one run out of time.
    Challenge.objects.filter(pk=ids[2]).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = f"/v2/customers/{customer.pk}/challenges"
    body = api.get(url).json()
    assert body["message"] == "Challenges retrieved"
    assert [c["challengeId"] for c in body["data"]] == list(reversed(ids))
    assert body["pagination"] == {"page": 1, "limit": 10, "total": 3, "hasMore": False}
    expired = api.get(url, {"status": "expired"}).json()
    assert [c["challengeId"] for c in expired["data"]] == [ids[2]]
    assert expired["data"][0]["status"] == "expired"
    assert api.get(url, {"status": "pending"}).json()["pagination"]["total"] == 0
    assert api.get(url, {"status": "failed"}).json()["pagination"]["total"] == 2
    page = api.get(url, {"limit": 2, "page": 2, "order": "asc"}).json()
    assert [c["challengeId"] for c in page["data"]] == [ids[2]]
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 3, "hasMore": False}


def test_bad_challenge_list_query_is_400(api, customer):
    url = f"/v2/customers/{customer.pk}/challenges"
    assert "status" in api.get(url, {"status": "done"}).json()["errors"]
    assert api.get(url, {"limit": 1000}).status_code == 400


def test_challenges_of_other_customer_or_org_are_404(api, other_api, organization, customer):
    challenge_id = initialize(api, customer).json()["data"]["challengeId"]
    sibling = customer_create(organization=organization, ref_id="sibling")
    assert api.get(f"/v2/customers/{customer.pk}/challenges/{challenge_id}").status_code == 200
    assert api.get(f"/v2/customers/{sibling.pk}/challenges/{challenge_id}").status_code == 404
    assert other_api.get(f"/v2/customers/{customer.pk}/challenges/{challenge_id}").status_code == 404
    assert other_api.get(f"/v2/customers/{customer.pk}/challenges").status_code == 404
    assert api.get(f"/v2/customers/{customer.pk}/challenges/not-a-uuid").status_code == 404
    assert api.get(f"/v2/customers/{customer.pk}/challenges/{uuid.uuid4()}").json() == {
        "success": False,
        "message": "Challenge not found",
    }


def test_wrong_methods_on_challenge_routes_are_405(api, customer):
    assert api.method("get", f"/v2/customers/{customer.pk}/initialize").status_code == 405
    assert api.method("delete", f"/v2/customers/{customer.pk}/challenges").status_code == 405
    assert api.post(f"/v2/customers/{customer.pk}/challenges", {}).status_code == 405


@override_settings(ONBOARDING={"CHALLENGE_TTL_SECONDS": 60, "CUSTOMERS_RATE_LIMIT": "1000/s"})
def test_challenge_ttl_comes_from_app_settings(api, customer):
    data = initialize(api, customer).json()["data"]
    challenge = Challenge.objects.get(pk=data["challengeId"])
    assert abs(challenge.expires_at - challenge.created_at - timedelta(seconds=60)) < timedelta(seconds=1)
