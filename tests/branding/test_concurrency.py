"""Concurrent first PUTs of a brand against real PostgreSQL: one row, every field kept, no 500."""

from __future__ import annotations

import json

import pytest

from branding.models import OrganizationBranding
from core.models import AuditEvent
from tests.customers.test_concurrency import concurrently

from .conftest import b64, image_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
URL = "/v2/organization/branding"


def _put(body):
    def call(api):
        return api.client.put(
            URL, json.dumps(body), content_type="application/json", headers=api.headers(None)
        )

    return call


def test_simultaneous_first_updates_of_different_fields_make_one_brand_with_all_of_them(
    organization, full_key
):
    bodies = [
        {"displayName": "Acme Pay"},
        {"accentColor": "#1b3a8a"},
        {"supportUrl": "https://acme.example/help"},
        {"logo": b64(image_bytes("PNG"))},
    ] * 3
    results = concurrently(full_key, [_put(body) for body in bodies])
    assert [status for status, _ in results] == [200] * len(bodies), results
    branding = OrganizationBranding.objects.get(organization=organization)
    assert branding.display_name == "Acme Pay" and branding.accent_color == "#1b3a8a"
    assert branding.support_url == "https://acme.example/help" and branding.logo_width == 120
    # Each change is audited once; the repeats change nothing and write nothing.
    assert AuditEvent.objects.filter(action="branding.update").count() == 4
