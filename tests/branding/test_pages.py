"""Every gateway page names the app, shows its logo and support link and loads its accent."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from branding.selectors import branding_for_org
from branding.services import branding_update
from customers.models import Challenge
from tests.gateway.factories import challenge_make, link_path, link_spend

from .conftest import brand_acme

pytestmark = pytest.mark.django_db


@pytest.fixture
def branded(png):
    challenge = challenge_make()
    brand = brand_acme(challenge.organization, logo=png)
    branding_update(
        organization=challenge.organization, actor="test", support_url="https://acme.example/help?x=1&y=2"
    )
    assert brand.display_name == "Acme Wallet"
    return challenge


def assert_branded(html: str, organization_id) -> None:
    brand = branding_for_org(organization_id=organization_id)
    assert "Acme Wallet uses Onboarding Gateway to protect your wallet" in html
    assert (
        f'<img class="brand-logo" src="{brand.logo_path}" width="120" height="40" alt="Acme Wallet">' in html
    )
    assert 'href="https://acme.example/help?x=1&amp;y=2"' in html
    assert "Need help? Contact Acme Wallet support" in html
    assert f'<link rel="stylesheet" href="{brand.theme_path}">' in html
    assert "style=" not in html  # nothing inline: the CSP allows no inline style


def test_the_step_page_is_branded(branded):
    client = Client()
    page = client.get(link_spend(client, branded)["Location"])
    assert page.status_code == 200
    assert_branded(page.content.decode(), branded.organization_id)


def test_side_pages_are_branded(branded):
    first = Client()
    link_spend(first, branded)
    used = Client().get(link_path(branded))  # the link again, from another browser
    assert used.status_code == 409
    assert_branded(used.content.decode(), branded.organization_id)
    refused = Client().get(f"/gateway/s/{branded.id}/")
    assert refused.status_code == 403
    assert_branded(refused.content.decode(), branded.organization_id)
    Challenge.objects.filter(pk=branded.pk).update(status=Challenge.Status.FAILED)
    ended = first.get(f"/gateway/s/{branded.id}/")
    assert ended.status_code == 410
    assert_branded(ended.content.decode(), branded.organization_id)


def test_an_unknown_link_names_our_product_only(db):
    page = Client().get(f"/gateway/c/{uuid.uuid4()}/nope")
    assert page.status_code == 404
    html = page.content.decode()
    assert '<span class="brand">Onboarding Gateway</span>' in html
    assert "uses" not in html and "/gateway/brand/" not in html


def test_an_organization_without_branding_shows_its_name_and_the_default_colours(db, settings):
    settings.GATEWAY_PRODUCT_NAME = "Vault Pages"
    challenge = challenge_make()
    client = Client()
    html = client.get(link_spend(client, challenge)["Location"]).content.decode()
    name = challenge.organization.name
    assert f'<span class="brand">{name}</span>' in html
    assert f"{name} uses Vault Pages to protect your wallet" in html
    assert "/gateway/brand/" not in html and "brand-logo" not in html and "Need help?" not in html
    assert len(re.findall(r'rel="stylesheet"', html)) == 1
