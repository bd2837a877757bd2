"""The admin sets a brand with the API's checks: a refused field shows its message, stores nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from branding.models import OrganizationBranding
from core.models import AuditEvent

from .conftest import SVG_WITH_SCRIPT

pytestmark = pytest.mark.django_db
ADD = "/admin/branding/organizationbranding/add/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_the_admin_stores_a_valid_brand_through_the_service(admin_client, organization, png):
    response = admin_client.post(
        ADD,
        {
            "organization": organization.pk,
            "display_name": "Acme Wallet",
            "accent_color": "#F5C542",
            "support_url": "https://acme.example/help",
            "logo_file": SimpleUploadedFile("logo.png", png),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    branding = OrganizationBranding.objects.get(organization=organization)
    assert branding.accent_color == "#f5c542" and branding.accent_text_color == "#1b1f24"
    assert bytes(branding.logo) == png and branding.logo_width == 120
    assert AuditEvent.objects.get(action="branding.update").actor == "staff:admin"
    change = f"/admin/branding/organizationbranding/{organization.pk}/change/"
    page = admin_client.get(change).content.decode()
    assert f"/gateway/brand/{organization.pk}/logo/" in page
    response = admin_client.post(
        change,
        {"display_name": "Acme Wallet", "accent_color": "#f5c542", "support_url": "", "remove_logo": "on"},
    )
    assert response.status_code == 302
    branding.refresh_from_db()
    assert branding.logo is None and branding.support_url == ""


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"accent_color": "#777777"}, "4.48:1"),
        ({"support_url": "http://acme.example"}, "https://"),
        ({"logo_file": SimpleUploadedFile("logo.svg", SVG_WITH_SCRIPT)}, "PNG or JPEG"),
    ],
)
def test_the_admin_refuses_what_the_api_refuses(admin_client, organization, fields, says):
    body = {
        "organization": organization.pk,
        "display_name": "Acme Wallet",
        "accent_color": "",
        "support_url": "",
    }
    response = admin_client.post(ADD, {**body, **fields})
    assert response.status_code == 200  # the form again, with the error
    assert says in response.content.decode()
    assert not OrganizationBranding.objects.exists()
    assert not AuditEvent.objects.filter(action="branding.update").exists()
