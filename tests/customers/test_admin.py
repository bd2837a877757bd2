"""The backoffice admin: organizations with allowlist, keys shown once and revoked, read-only records."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from customers.models import ApiKey, Challenge, Organization
from customers.services import api_key_create, customer_initialize

from .conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_create_key_in_admin_shows_the_raw_key_once(admin_client, organization):
    response = admin_client.post(
        "/admin/customers/apikey/add/", {"organization": organization.pk, "name": "ops", "kind": "FULL"}
    )
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    raw = re.search(r"(ogk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})", " ".join(shown)).group(1)
    key = ApiKey.objects.get(name="ops")
    assert key.prefix == raw[4:16]
    # The message waits server-side, never in a cookie the browser keeps.
    assert "messages" not in response.cookies
    assert Api(raw).get("/v2/customers").status_code == 200
    admin_client.get(response["Location"])  # the page that displays the message consumes it
    page = admin_client.get(f"/admin/customers/apikey/{key.pk}/change/").content.decode()
    assert raw not in page
    assert key.key_hash in page  # visible, read-only
    assert 'name="key_hash"' not in page and 'name="prefix"' not in page and 'name="kind"' not in page


def test_admin_cannot_edit_key_material(admin_client, organization):
    key, raw = api_key_create(organization=organization)
    admin_client.post(
        f"/admin/customers/apikey/{key.pk}/change/",
        {"name": "renamed", "kind": "RESTRICTED", "key_hash": "0" * 64, "prefix": "aaaaaaaaaaaa"},
    )
    key.refresh_from_db()
    assert key.name == "renamed" and key.kind == "FULL" and key.prefix == raw[4:16]
    assert Api(raw).get("/v2/customers").status_code == 200


def test_revoke_action(admin_client, organization):
    key, raw = api_key_create(organization=organization)
    response = admin_client.post(
        "/admin/customers/apikey/", {"action": "revoke_keys", "_selected_action": [str(key.pk)]}
    )
    assert response.status_code == 302
    assert Api(raw).get("/v2/customers").status_code == 401


def test_organization_with_allowlist_inline(admin_client):
    response = admin_client.post(
        "/admin/customers/organization/add/",
        {
            "name": "Via Admin",
            "redirect_origins-TOTAL_FORMS": "2",
            "redirect_origins-INITIAL_FORMS": "0",
            "redirect_origins-MIN_NUM_FORMS": "0",
            "redirect_origins-MAX_NUM_FORMS": "1000",
            "redirect_origins-0-origin": "https://Shop.Example.com:443",
            "redirect_origins-1-origin": "",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
            "api_keys-MIN_NUM_FORMS": "0",
            "api_keys-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(name="Via Admin")
    assert list(org.redirect_origins.values_list("origin", flat=True)) == ["https://shop.example.com"]


def test_bad_origin_is_refused_in_admin(admin_client):
    response = admin_client.post(
        "/admin/customers/organization/add/",
        {
            "name": "Bad",
            "redirect_origins-TOTAL_FORMS": "1",
            "redirect_origins-INITIAL_FORMS": "0",
            "redirect_origins-MIN_NUM_FORMS": "0",
            "redirect_origins-MAX_NUM_FORMS": "1000",
            "redirect_origins-0-origin": "https://shop.example.com/path",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
            "api_keys-MIN_NUM_FORMS": "0",
            "api_keys-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(name="Bad").exists()


def test_customer_and_challenge_state_is_read_only(admin_client, organization, customer):
    challenge = customer_initialize(
        organization=organization, customer_id=customer.pk, redirect_url="https://app.example.com/"
    )
    page = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert 'name="has_pin"' not in page and 'name="ref_id"' not in page
    assert admin_client.get("/admin/customers/customer/add/").status_code == 403
    assert admin_client.get(f"/admin/customers/customer/{customer.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/customers/challenge/{challenge.pk}/change/").status_code == 200
    admin_client.post(f"/admin/customers/challenge/{challenge.pk}/change/", {"status": "verified"})
    assert Challenge.objects.get(pk=challenge.pk).status == "pending"
    assert admin_client.get("/admin/customers/challenge/").status_code == 200
    assert admin_client.get("/admin/customers/customer/").status_code == 200
