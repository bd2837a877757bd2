"""The admin (endpoints with the API's rules, secret shown once; re-send needs its permission) and
`manage.py webhooks`."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client

from core.models import AuditEvent
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_create, endpoint_signing_secrets, event_emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client()
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(db):
    """Staff who may see deliveries but not re-send them."""
    client = Client()
    user = get_user_model().objects.create_user("viewer", "viewer@example.com", "pw-for-tests-only")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(user)
    return client


def test_admin_creates_an_endpoint_and_shows_the_secret_once(
    admin_client, organization, receiver, secret_registry
):
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "organization": organization.pk,
            "url": receiver.url,
            "events": ["customer.created"],
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    secret = re.search(r"(whsec_[A-Za-z0-9_-]{43})", shown).group(1)
    secret_registry.add(secret)
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["customer.created"] and endpoint_signing_secrets(endpoint=endpoint) == [secret]
    admin_client.get(response["Location"])
    assert secret not in admin_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/").content.decode()
    assert AuditEvent.objects.filter(action="webhook_endpoint.create", actor="staff:admin").exists()


def test_admin_refuses_a_private_url(admin_client, organization, settings):
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {"organization": organization.pk, "url": "https://10.0.0.5/hook", "enabled": "on"},
    )
    assert response.status_code == 200 and "private" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_resend_action_needs_its_permission(
    admin_client, viewer_client, organization, receiver, secret_registry
):
    _endpoint, secret = endpoint_create(organization=organization, url=receiver.url)
    secret_registry.add(secret)
    event = event_emit(organization=organization, event="customer.created", data={})
    Delivery.objects.filter(event=event).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    delivery = Delivery.objects.get()
    page = viewer_client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200 and 'value="resend"' not in page.content.decode()
    viewer_client.post(
        "/admin/webhooks/delivery/", {"action": "resend", "_selected_action": [str(delivery.pk)]}
    )
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED  # refused
    assert 'value="resend"' in admin_client.get("/admin/webhooks/delivery/").content.decode()
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "resend", "_selected_action": [str(delivery.pk)]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert AuditEvent.objects.filter(action="webhook_delivery.retry", actor="staff:admin").exists()


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_manages_endpoints(organization, receiver, secret_registry):
    out, _ = run("webhooks", "create", str(organization.pk), receiver.url, "--event", "customer.created")
    secret = out.strip()
    secret_registry.add(secret)
    endpoint = Endpoint.objects.get()
    assert endpoint_signing_secrets(endpoint=endpoint) == [secret]
    listed, _ = run("webhooks", "list", str(organization.pk))
    assert json.loads(listed)["id"] == str(endpoint.pk) and secret not in listed
    run("webhooks", "update", str(endpoint.pk), "--enabled", "false", "--all-events")
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.events == []
    new, _ = run("webhooks", "rotate-secret", str(endpoint.pk))
    secret_registry.add(new.strip())
    endpoint.refresh_from_db()
    assert endpoint_signing_secrets(endpoint=endpoint) == [new.strip(), secret]
    with pytest.raises(CommandError, match="events"):
        run("webhooks", "update", str(endpoint.pk), "--event", "customer.deleted")
    with pytest.raises(CommandError, match="No webhook endpoint"):
        run("webhooks", "test", "00000000-0000-4000-8000-000000000000")
    run("webhooks", "delete", str(endpoint.pk))
    assert not Endpoint.objects.exists()


def test_command_refuses_a_non_https_url(organization, settings):
    settings.ONBOARDING = {**settings.ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}
    with pytest.raises(CommandError, match="https"):
        run("webhooks", "create", str(organization.pk), "http://93.184.215.14/hook")
    assert not Endpoint.objects.exists()
