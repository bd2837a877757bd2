"""OpenAPI schema and docs: API-key scheme, envelope shapes, offline assets under the strict CSP."""

import os
import re

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = [
    "/v2/customers",
    "/v2/customers/{id}",
    "/v2/customers/{id}/initialize",
    "/v2/customers/{id}/reset-pin",
    "/v2/customers/{id}/challenges",
    "/v2/customers/{id}/challenges/{challengeId}",
]


@pytest.fixture
def schema():
    response = Client().get("/v2/schema")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_declares_the_api_key_scheme(schema):
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "PLANBOK-X-API-KEY",
    }
    for path in PATHS:
        for operation in schema["paths"][path].values():
            assert operation["security"] == [{"ApiKeyAuth": []}]


def test_every_operation_documents_its_envelopes(schema):
    for path in PATHS:
        for method, operation in schema["paths"][path].items():
            responses = operation["responses"]
            success = "201" if method == "post" else "200"
            ref = responses[success]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("Envelope")
            for code in ("401", "405", "429"):
                assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith(
                    "/ErrorEnvelope"
                )
            if method == "post":
                assert {"400", "403", "409", "415"} <= set(responses)
    error = schema["components"]["schemas"]["ErrorEnvelope"]
    assert set(error["required"]) == {"success", "message"}
    listing = schema["components"]["schemas"]["CustomerListEnvelope"]["properties"]
    assert listing["pagination"]["$ref"].endswith("/Pagination")
    assert listing["data"]["type"] == "array"


def test_request_bodies_document_idempotency_key(schema):
    for path in ["/v2/customers", "/v2/customers/{id}/initialize", "/v2/customers/{id}/reset-pin"]:
        ref = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert component["properties"]["idempotencyKey"]["format"] == "uuid"


def test_docs_page_uses_only_local_assets_and_no_inline_code():
    response = Client().get("/v2/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no CDN or absolute asset URL"
    assert "<style" not in html
    assert all(not body.strip() for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
    for asset in re.findall(r"(?:src|href)=\"([^\"]+)\"", html):
        assert asset.startswith("/"), asset
    script = Client().get("/v2/docs?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_render_in_chromium_without_csp_violations_or_external_requests(live_server):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    console, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda msg: console.append(msg.text))
        page.on("request", lambda req: requests.append(req.url))
        page.goto(f"{live_server.url}/v2/docs")
        page.wait_for_selector("text=Start the PIN and recovery setup challenge", timeout=15000)
        browser.close()
    assert not [m for m in console if "Content Security Policy" in m], console
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests), requests
