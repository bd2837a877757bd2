"""GET and PUT /v2/organization/branding: FULL key writes, RESTRICTED reads, and every refused
input is a 400 in the envelope that leaves the previous brand as it was."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from branding.models import OrganizationBranding
from core.models import AuditEvent

from .conftest import SVG_WITH_SCRIPT, b64, image_bytes

pytestmark = pytest.mark.django_db
URL = "/v2/organization/branding"


def put(api, body):
    return api.client.put(URL, json.dumps(body), content_type="application/json", headers=api.headers(None))


def snapshot(organization):
    return (
        list(OrganizationBranding.objects.filter(organization=organization).values()),
        AuditEvent.objects.filter(action="branding.update").count(),
    )


def test_an_organization_without_branding_reads_as_its_name_and_defaults(api):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Branding retrieved",
        "data": {
            "displayName": "Acme Wallet",
            "accentColor": None,
            "accentTextColor": None,
            "supportUrl": None,
            "logo": None,
            "updatedAt": None,
        },
    }


def test_put_sets_every_field_and_get_reads_it_back(api, restricted_api, organization, png, settings):
    response = put(
        api,
        {
            "displayName": "Acme Wallet",
            "accentColor": "#1B3A8A",
            "supportUrl": "https://acme.example/help",
            "logo": b64(png),
        },
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    sha = hashlib.sha256(png).hexdigest()
    assert data["accentColor"] == "#1b3a8a" and data["accentTextColor"] == "#ffffff"
    assert data["supportUrl"] == "https://acme.example/help"
    assert data["logo"] == {
        "url": f"{settings.PUBLIC_BASE_URL}/gateway/brand/{organization.pk}/logo/{sha}",
        "contentType": "image/png",
        "width": 120,
        "height": 40,
        "sha256": sha,
    }
    assert restricted_api.get(URL).json()["data"] == data  # a RESTRICTED key may read
    event = AuditEvent.objects.get(action="branding.update")
    assert event.target_id == str(organization.pk) and event.data["logoSha256"] == sha


def test_a_data_url_and_a_multipart_upload_are_accepted(api, png):
    jpeg = image_bytes("JPEG", (64, 64))
    response = put(api, {"logo": f"data:image/jpeg;base64,{b64(jpeg)}"})
    assert response.status_code == 200 and response.json()["data"]["logo"]["contentType"] == "image/jpeg"
    encoded = api.client.put(
        URL,
        data=encode_multipart(BOUNDARY, {"displayName": "Acme Pay", "logo": _upload(png)}),
        content_type=MULTIPART_CONTENT,
        headers=api.headers(None),
    )
    assert encoded.status_code == 200, encoded.json()
    data = encoded.json()["data"]
    assert data["displayName"] == "Acme Pay" and data["logo"]["sha256"] == hashlib.sha256(png).hexdigest()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("logo.svg", data, content_type="image/svg+xml")  # the name and type are ignored


def test_partial_updates_keep_the_other_fields_and_null_clears(api, png):
    put(
        api,
        {
            "displayName": "Acme",
            "accentColor": "#1b3a8a",
            "supportUrl": "https://acme.example",
            "logo": b64(png),
        },
    )
    data = put(api, {"accentColor": "#f5c542"}).json()["data"]
    assert (
        data["displayName"] == "Acme"
        and data["logo"] is not None
        and data["supportUrl"] == "https://acme.example"
    )
    assert data["accentColor"] == "#f5c542" and data["accentTextColor"] == "#1b1f24"
    old_logo = data["logo"]["url"]
    data = put(api, {"logo": None, "accentColor": None, "supportUrl": None}).json()["data"]
    assert data["logo"] is None and data["accentColor"] is None and data["supportUrl"] is None
    assert data["displayName"] == "Acme"
    assert Client().get(old_logo[old_logo.index("/gateway/") :]).status_code == 404


def test_a_restricted_key_cannot_write(restricted_api, organization, png):
    before = snapshot(organization)
    response = put(restricted_api, {"displayName": "Evil", "logo": b64(png)})
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "message": "This API key is restricted to read-only requests",
    }
    assert snapshot(organization) == before


def test_no_key_is_401(db):
    assert Client().put(URL, "{}", content_type="application/json").status_code == 401
    assert Client().get(URL).status_code == 401


def _big_png() -> bytes:
    data = image_bytes("PNG", (400, 400), noise=True)  # random pixels do not compress: ~480 KB
    assert len(data) > 256 * 1024
    return data


BAD = [
    ("logo", lambda: b64(b"%PDF-1.4 not an image at all"), "must be a PNG or JPEG"),
    ("logo", lambda: b64(SVG_WITH_SCRIPT), "SVG"),
    ("logo", lambda: b64(_big_png()), "at most 256 KiB"),
    ("logo", lambda: b64(image_bytes("PNG", (2000, 10))), "at most 1024x1024 pixels"),
    ("logo", lambda: b64(image_bytes("PNG", (300, 300), noise=True)[:5000]), "not a readable PNG or JPEG"),
    ("logo", lambda: "this is not base64!", "base64"),
    ("logo", lambda: 42, "base64"),
    ("accentColor", lambda: "#777777", "4.48:1"),
    ("accentColor", lambda: "red", "#rrggbb"),
    ("supportUrl", lambda: "http://acme.example/help", "https://"),
    ("supportUrl", lambda: "javascript:alert(1)", "https://"),
    ("supportUrl", lambda: "https://acme.example/" + "a" * 500, "at most 500"),
    ("displayName", lambda: "   ", "must not be empty"),
    ("displayName", lambda: "A" * 61, "at most 60"),
    ("displayName", lambda: "Acme\u202eWallet", "control or formatting"),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD, ids=[f"{f}-{s}" for f, _, s in BAD])
def test_bad_input_is_a_400_that_changes_nothing(api, organization, png, field, value, says):
    assert put(api, {"displayName": "Acme", "accentColor": "#1b3a8a", "logo": b64(png)}).status_code == 200
    before = snapshot(organization)
    response = put(api, {"displayName": "Renamed", field: value()})
    body = response.json()
    assert response.status_code == 400, body
    assert body["success"] is False
    assert any(says in message for message in body["errors"][field]), body
    assert snapshot(organization) == before  # the previous logo, name and colour are kept
    assert api.get(URL).json()["data"]["logo"]["sha256"] == hashlib.sha256(png).hexdigest()


def test_the_contrast_refusal_names_the_ratio_and_the_requirement(api):
    body = put(api, {"accentColor": "#777777"}).json()
    assert "4.48:1" in body["message"] and "4.5:1" in body["message"]


def test_malformed_json_and_wrong_types_are_400_in_the_envelope(api, organization):
    before = snapshot(organization)
    raw = api.client.put(URL, "{not json", content_type="application/json", headers=api.headers(None))
    assert raw.status_code == 400 and raw.json()["success"] is False
    assert put(api, {"displayName": ["x"]}).status_code == 400
    assert put(api, []).status_code == 400
    assert snapshot(organization) == before


def test_a_body_beyond_any_logo_is_refused_without_a_500(api, organization):
    before = snapshot(organization)
    response = put(api, {"logo": b64(os.urandom(3_000_000))})  # over Django's 2.5 MB in-memory limit
    assert response.status_code == 413 and response.json()["success"] is False
    upload = api.client.put(
        URL,
        data=encode_multipart(BOUNDARY, {"logo": SimpleUploadedFile("big.png", os.urandom(3_000_000))}),
        content_type=MULTIPART_CONTENT,
        headers=api.headers(None),
    )
    assert upload.status_code == 400 and "at most 256 KiB" in upload.json()["errors"]["logo"][0]
    assert snapshot(organization) == before


def test_an_update_naming_no_field_is_a_400_that_changes_nothing(api, organization):
    put(api, {"displayName": "Acme"})
    before = snapshot(organization)
    empty = put(api, {})
    assert empty.status_code == 400
    says = "Send at least one of displayName, accentColor, supportUrl, logo"
    assert empty.json()["errors"] == {"body": [says]}
    assert put(api, {"display_name": "Acme 2"}).status_code == 400  # a misspelt name names no field
    no_parts = api.client.put(
        URL, data=encode_multipart(BOUNDARY, {}), content_type=MULTIPART_CONTENT, headers=api.headers(None)
    )
    assert no_parts.status_code == 400 and no_parts.json()["success"] is False
    assert snapshot(organization) == before


def test_the_schema_says_an_update_names_a_field(client):
    schema = client.get("/v2/schema", HTTP_ACCEPT="application/json").json()
    body = schema["paths"]["/v2/organization/branding"]["put"]["requestBody"]["content"]
    for media_type in ("application/json", "multipart/form-data"):
        ref = body[media_type]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][ref]["minProperties"] == 1
