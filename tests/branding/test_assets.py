"""The logo and the accent stylesheet, served from our origin under immutable, versioned URLs."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from branding.selectors import branding_for_org
from branding.services import branding_update

pytestmark = pytest.mark.django_db


def test_the_logo_is_served_with_its_sniffed_type_and_immutable_caching(organization, png):
    branding_update(organization=organization, actor="test", logo=png)
    path = branding_for_org(organization_id=organization.pk).logo_path
    sha = hashlib.sha256(png).hexdigest()
    assert path == f"/gateway/brand/{organization.pk}/logo/{sha}"
    response = Client().get(path)
    assert response.status_code == 200
    assert response.content == png
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{sha}"'
    again = Client().get(path, headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.content == b""


def test_a_replaced_logo_is_404_under_its_old_hash_and_other_organizations_do_not_serve_it(
    organization, other_organization, png
):
    branding_update(organization=organization, actor="test", logo=png)
    old = branding_for_org(organization_id=organization.pk).logo_path
    from .conftest import image_bytes

    branding_update(organization=organization, actor="test", logo=image_bytes("JPEG", (50, 50)))
    new = branding_for_org(organization_id=organization.pk).logo_path
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new)["Content-Type"] == "image/jpeg"
    assert Client().get(new.replace(str(organization.pk), str(other_organization.pk))).status_code == 404
    assert Client().get(f"/gateway/brand/{organization.pk}/logo/not-a-hash").status_code == 404


def test_the_theme_stylesheet_carries_the_accent_and_the_label_colour(organization):
    branding_update(organization=organization, actor="test", accent_color="#1b3a8a")
    path = branding_for_org(organization_id=organization.pk).theme_path
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    css = response.content.decode()
    assert "--accent: #1b3a8a;" in css and "--accent-ink: #ffffff;" in css
    assert "--link: #1b3a8a;" in css  # dark enough to read as a link on the page


def test_a_light_accent_keeps_the_default_link_colour_and_a_new_accent_moves_the_url(organization):
    branding_update(organization=organization, actor="test", accent_color="#1b3a8a")
    old = branding_for_org(organization_id=organization.pk).theme_path
    branding_update(organization=organization, actor="test", accent_color="#f5c542")
    new = branding_for_org(organization_id=organization.pk).theme_path
    assert new != old and Client().get(old).status_code == 404
    css = Client().get(new).content.decode()
    assert "--accent: #f5c542;" in css and "--accent-ink: #1b1f24;" in css and "--link" not in css


def test_without_an_accent_there_is_no_stylesheet(organization):
    branding_update(organization=organization, actor="test", display_name="Acme")
    assert branding_for_org(organization_id=organization.pk).theme_path == ""
