"""axe-core (bundled by axe-playwright-python) finds no WCAG 2 A/AA violation on the gateway pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .factories import challenge_make, link_path
from .test_browser_onboarding import choose_pin, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page, where: str) -> None:
    results = Axe().run(page, options=OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not problems, f"{where}: {problems}"


def _brand(challenge, accent: str | None) -> None:
    """The organization's brand with a dark or a light accent (None: unbranded, default colours)."""
    if accent is not None:
        from tests.branding.conftest import brand_acme

        brand_acme(challenge.organization, accent=accent)


@pytest.mark.parametrize("accent", [None, "#1b3a8a", "#f5c542"])
@pytest.mark.parametrize("locale", ["en", "fil"])
@pytest.mark.parametrize("width", [360, 1280])
def test_every_onboarding_step_passes_axe(live_server, new_page, width, locale, accent):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return", locale=locale)
    _brand(challenge, accent)
    page = new_page(width=width)
    open_link(page, live_server, challenge)
    assert_accessible(page, "PIN step")
    page.fill("#pin1", "123456")  # a refused PIN shows its explanation
    expect(page.locator("#pin1-error")).not_to_be_empty()
    assert_accessible(page, "PIN step with a refusal")
    page.fill("#pin1", "")
    choose_pin(page)
    assert_accessible(page, "recovery choice")
    page.click("#choose-questions")
    assert_accessible(page, "security questions")
    page.click("#step-questions [data-back]")
    page.click("#choose-email")
    assert_accessible(page, "email recovery")


@pytest.mark.parametrize("accent", [None, "#1b3a8a", "#f5c542"])
@pytest.mark.parametrize("locale", ["en", "fil"])
def test_the_closed_link_page_passes_axe(live_server, new_page, locale, accent):
    challenge = challenge_make(return_url=f"{live_server.url}/gateway/demo/return", locale=locale)
    _brand(challenge, accent)
    first = new_page()
    open_link(first, live_server, challenge)
    other = new_page()
    other.goto(live_server.url + link_path(challenge))
    assert_accessible(other, "link already used")
