"""In Chromium: the primary button wears the accent, the logo loads from our origin, and the
strict CSP stays intact (no violation reported)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.branding.conftest import brand_acme, image_bytes

from .factories import challenge_make
from .test_browser_onboarding import open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("accent", "label", "link"),
    [
        ("#1b3a8a", "rgb(255, 255, 255)", "rgb(27, 58, 138)"),  # dark: white label, links take it
        ("#f5c542", "rgb(27, 31, 36)", "rgb(11, 92, 173)"),  # light: dark label, default links
    ],
)
def test_the_page_wears_the_brand_under_the_strict_csp(live_server, new_page, accent, label, link):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    brand_acme(challenge.organization, accent=accent, logo=image_bytes("PNG"))
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    images: list[str] = []
    page.on(
        "requestfinished",
        lambda request: images.append(request.url) if request.resource_type == "image" else None,
    )
    documents: dict[str, str] = {}
    page.on(
        "response",
        lambda response: (
            documents.update({response.url: response.headers.get("content-security-policy", "")})
            if response.request.resource_type == "document"
            else None
        ),
    )
    # Chromium reports every CSP refusal as a securitypolicyviolation event; record them all.
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective))"
    )
    open_link(page, live_server, challenge)

    submit = page.locator("#pin-form button[type=submit]")
    expect(submit).to_be_visible()
    r, g, b = (int(accent[i : i + 2], 16) for i in (1, 3, 5))
    assert submit.evaluate("el => getComputedStyle(el).backgroundColor") == f"rgb({r}, {g}, {b})"
    assert submit.evaluate("el => getComputedStyle(el).color") == label
    support = page.get_by_role("link", name="Need help? Contact Acme Wallet support")
    expect(support).to_have_attribute("href", "https://acme.example/help")
    assert support.evaluate("el => getComputedStyle(el).color") == link
    expect(page.get_by_text("Acme Wallet uses Onboarding Gateway to protect your wallet")).to_be_visible()

    logo = page.get_by_role("img", name="Acme Wallet")
    expect(logo).to_be_visible()
    assert logo.evaluate("el => el.complete && el.naturalWidth") == 120
    src = logo.evaluate("el => el.src")
    assert src.startswith(f"{live_server.url}/gateway/brand/{challenge.organization_id}/logo/")
    assert src in images
    csp = documents[page.url]
    assert "style-src 'self'" in csp and "img-src 'self' data:" in csp and "unsafe-inline" not in csp
    assert page.evaluate("window.__violations") == []
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
