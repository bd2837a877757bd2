"""The PIN step's page weight: what a phone downloads before the user can type a PIN.

Budget (issue 16): under 60 KB, the organization's logo excluded, in every language. Weight
is the bytes of every response body the page loads, as production sends them: static files
gzip-compressed by whitenoise at collectstatic (its own compressor and its own rule for
keeping a compressed copy), the page as rendered (pages carry a CSRF token: not compressed,
BREACH), the JavaScript catalogue gzip-compressed by its view. A size budget, not a timing:
it does not depend on the machine.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from whitenoise.compress import Compressor

from .factories import challenge_make
from .test_browser_onboarding import open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 60 * 1024


def wire_bytes(path: str, response) -> int:
    """What production sends for this body: whitenoise's gzip copy of a static file when it
    keeps one (the test server serves static files plain); anything else as it came."""
    if not path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return response.request.sizes()["responseBodySize"]
    try:
        body = response.body()
    except PlaywrightError:  # the link's page (left at once for the step page): its size on the wire
        return response.request.sizes()["responseBodySize"]
    compressor = Compressor(quiet=True)
    if not compressor.should_compress(path):
        return len(body)
    gzipped = Compressor.compress_gzip(body)
    if compressor.is_compressed_effectively("gzip", path, len(body), gzipped):
        return len(gzipped)
    return len(body)


@pytest.mark.parametrize("branded", [False, True])
@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_the_pin_step_weighs_under_60_kb(live_server, new_page, language, branded):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return")
    if branded:  # the brand's header, footer and stylesheet count; its logo does not
        from tests.branding.conftest import brand_acme

        brand_acme(challenge.organization)
    page = new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    responses = []
    page.on("response", lambda response: responses.append(response))
    open_link(page, live_server, challenge)
    expect(page.locator("#pin1")).to_be_visible()
    page.wait_for_load_state("networkidle")

    weights: dict[str, int] = {}
    for response in responses:
        path = urlsplit(response.url).path
        if 300 <= response.status < 400 or "/logo/" in path:
            continue  # a redirect has no body; the logo is the integrator's, outside the budget
        weights[path] = wire_bytes(path, response)
    total = sum(weights.values())
    breakdown = "\n".join(
        f"{size:>7} {path}" for path, size in sorted(weights.items(), key=lambda kv: -kv[1])
    )

    # The page really loaded its scripts (a weight of the HTML alone would pass for nothing).
    assert any(path.endswith("/gateway/js/app.js") for path in weights), breakdown
    assert any("/i18n/" in path for path in weights), breakdown
    assert total < BUDGET, f"PIN step ({language}) weighs {total} bytes, budget {BUDGET}:\n{breakdown}"
