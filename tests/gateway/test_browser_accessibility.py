"""axe-core (bundled by axe-playwright-python) finds no WCAG 2 A/AA violation on any gateway page,
in every language, at 360 and 1280 px, branded with a dark and with a light accent.

The slow part of a flow is the key derivation in the page, so each flow runs once: a page that the
server can show again (every first step, every side page, and the steps a reload returns to) is
reloaded in each accent and language (`?lang=`, the page's own switch) and audited at both widths by
resizing the viewport; a step only reachable after a derivation is audited at both widths where the
flow reaches it.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from customers.models import Challenge, Customer
from tests.branding.conftest import brand_acme

from .factories import challenge_make, customer_make, link_path
from .seed import seed_pin, seed_questions
from .test_browser_onboarding import ANSWERS, PIN, QUESTION_IDS, choose_pin, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LANGUAGES = [code for code, _name in settings.LANGUAGES]
ACCENTS = ("#1b3a8a", "#f5c542")  # dark (white text on it) and light (dark text on it)
WIDTHS = (360, 1280)


def assert_accessible(page, where: str) -> None:
    results = Axe().run(page, options=OPTIONS).response
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
    ]
    # axe files text it cannot rate, and text with a 1:1 ratio (white on white: unreadable, or
    # meant to be hidden), under "incomplete", not "violations"; our pages have no background
    # images, so any such text is a defect a user would see (or not see).
    problems += [
        f"color-contrast (incomplete): {n['target']} {n['any'][0]['message'] if n['any'] else ''}"
        for v in results["incomplete"]
        if v["id"] == "color-contrast"
        for n in v["nodes"]
    ]
    assert not problems, f"{where}: {problems}"


def audit_widths(page, where: str) -> None:
    """The page as it stands, at each width (the layout changes; the state does not)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 860})
        assert_accessible(page, f"{where} at {width} px")


def _in_language(url: str, lang: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=f"lang={lang}", fragment=""))


def every_look(page, organization):
    """Reloads the page now open in every accent and language; yields a label for each look.
    Without an organization (a link that names none) the page is unbranded: languages only."""
    for accent in ACCENTS if organization is not None else (None,):
        if accent is not None:
            brand_acme(organization, accent=accent)
        for lang in LANGUAGES:
            page.goto(_in_language(page.url, lang))
            expect(page.locator("html")).to_have_attribute("lang", lang)
            if accent is not None:
                expect(page.locator("header .brand")).to_have_text("Acme Wallet")
                expect(page.locator("header .brand-logo")).to_be_visible()
            yield f"[{lang}, accent {accent or 'none'}]"


def audit_every_look(page, organization, where: str, show=None) -> None:
    """The page now open in every accent and language (`show` brings back the state to audit after
    the reload), each audited at both widths."""
    for look in every_look(page, organization):
        if show is not None:
            show(page)
        audit_widths(page, f"{where} {look}")


def _return_url(live_server) -> str:
    return f"{live_server.url}/gateway/demo/return?from=app"


def _seeded_customer(organization) -> Customer:
    customer = customer_make(organization=organization)
    shard = secrets.token_bytes(32)
    seed_pin(customer, PIN, shard)
    seed_questions(customer, QUESTION_IDS, ANSWERS, shard)
    return Customer.objects.get(pk=customer.pk)


def _visible(selector: str):
    return lambda page: expect(page.locator(selector)).to_be_visible()


def test_setup_steps_pass_axe_in_every_language_width_and_accent(live_server, new_page):
    challenge = challenge_make(return_url=_return_url(live_server))
    org = challenge.organization
    page = new_page(width=360)
    open_link(page, live_server, challenge)

    audit_every_look(page, org, "PIN step", show=_visible("#step-pin"))

    def refused(page):
        page.fill("#pin1", "123456")
        expect(page.locator("#pin1-error")).not_to_be_empty()

    audit_every_look(page, org, "PIN step with a refusal", show=refused)
    page.fill("#pin1", "")
    choose_pin(page)
    # Reloaded after the PIN, the page asks for it again (the shard lives in the page only), so
    # each look costs one unlock: the recovery steps are audited behind it.
    for look in every_look(page, org):
        expect(page.locator("#step-unlock")).to_be_visible()
        audit_widths(page, f"resume: enter your PIN {look}")
        page.fill("#unlock-pin", PIN)
        page.click("#unlock-form button[type=submit]")
        expect(page.locator("#step-recovery")).to_be_visible()
        audit_widths(page, f"recovery choice {look}")
        page.click("#choose-questions")
        expect(page.locator("#step-questions")).to_be_visible()
        audit_widths(page, f"security questions {look}")
        page.click("#step-questions [data-back]")
        page.click("#choose-email")
        expect(page.locator("#email-form")).to_be_visible()
        audit_widths(page, f"email recovery {look}")
    page.fill("#email", "ana@example.com")
    page.click("#email-form button[type=submit]")
    expect(page.locator("#email-code-form")).to_be_visible()
    audit_widths(page, "email code")


def test_change_pin_and_change_recovery_pass_axe(live_server, new_page):
    page = new_page(width=360)
    customer = _seeded_customer(customer_make().organization)
    for kind in (Challenge.Type.CHANGE_PIN, Challenge.Type.SET_RECOVERY):
        challenge = challenge_make(customer=customer, type=kind, return_url=_return_url(live_server))
        open_link(page, live_server, challenge)
        audit_every_look(page, customer.organization, f"{kind}: current PIN", show=_visible("#step-unlock"))


def test_restore_by_questions_and_by_email_passes_axe(live_server, new_page):
    from django.core import mail

    from core.crypto import encrypt
    from gateway.models import EmailRecovery

    from . import scheme_mirror as sm

    page = new_page(width=360)
    by_questions = _seeded_customer(customer_make().organization)
    org = by_questions.organization
    reset = challenge_make(
        customer=by_questions, type=Challenge.Type.RESET_PIN, return_url=_return_url(live_server)
    )
    open_link(page, live_server, reset)
    audit_every_look(page, org, "restore by questions", show=_visible("#step-restore-questions"))

    customer = customer_make(organization=org)
    shard, recovery_key = secrets.token_bytes(32), secrets.token_bytes(32)
    seed_pin(customer, PIN, shard)
    EmailRecovery.objects.create(
        customer=customer,
        email="ana@example.com",
        key_enc=encrypt(recovery_key, purpose="email-recovery-key", aad=sm.shard_aad(customer.id, "email")),
        wrapped_shard=sm.wrap_shard(recovery_key, shard, sm.shard_aad(customer.id, "email")),
    )
    Customer.objects.filter(pk=customer.pk).update(has_recovery=True, recovery_methods=["EMAIL"])
    by_email = challenge_make(
        customer=customer, type=Challenge.Type.RESET_PIN, return_url=_return_url(live_server)
    )
    open_link(page, live_server, by_email)
    audit_every_look(page, org, "restore by email", show=_visible("#step-restore-email"))
    page.click("#restore-email-form button[type=submit]")
    expect(page.locator("#restore-email-sent")).to_contain_text("a**@example.com")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # the mail is in the page's language
    page.fill("#restore-code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.click("#restore-code-form button[type=submit]")
    expect(page.locator("#restore-code-form .form-error")).to_contain_text("4")  # tries left, in Filipino
    audit_widths(page, "restore: a wrong email code")
    page.fill("#restore-code", code)
    page.click("#restore-code-form button[type=submit]")
    expect(page.locator("#step-pin")).to_be_visible()
    audit_widths(page, "restore: choose a new PIN")


def test_wallet_signing_and_export_pages_pass_axe(live_server, new_page):
    from tests.wallets.test_signing_steps import TX, permit
    from wallets import services as wallet_services
    from wallets import signing_services
    from wallets.models import Wallet

    page = new_page(width=360)
    customer = _seeded_customer(customer_make().organization)
    org = customer.organization
    create = wallet_services.wallet_challenge_create(
        organization=org,
        customer_id=customer.pk,
        blockchains=["MATIC-AMOY"],
        redirect_url=_return_url(live_server),
    )
    open_link(page, live_server, create)
    audit_every_look(page, org, "wallet: enter your PIN", show=_visible("#step-unlock"))
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#wallet-created")).to_be_visible()
    audit_widths(page, "wallet created")
    page.click("#wallet-form button[type=submit]")
    page.wait_for_url(re.compile(r"/gateway/demo/return\?.*status=verified"))

    wallet = Wallet.objects.get(customer=customer)
    typed = permit(wallet.address)
    typed["domain"]["chainId"] = 80002
    for kind, payload in (
        ("message", {"message": "Sign in to Acme Wallet\nnonce: 8c1f02"}),
        ("typed_data", {"typed_data": json.dumps(typed)}),
        ("transaction", {"transaction_": {**TX, "chainId": 80002, "data": "0x"}}),
    ):
        request = signing_services.sign_challenge_create(
            organization=org,
            customer_id=customer.pk,
            wallet_id=wallet.pk,
            kind=kind,
            redirect_url=_return_url(live_server),
            memo="Order #1042",
            **payload,
        )
        open_link(page, live_server, request)
        audit_every_look(page, org, f"approve {kind}", show=_visible("#step-unlock"))

    export = signing_services.export_challenge_create(
        organization=org, customer_id=customer.pk, redirect_url=_return_url(live_server)
    )
    open_link(page, live_server, export)
    audit_every_look(page, org, "export: enter your PIN", show=_visible("#step-unlock"))
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    expect(page.locator("#step-export")).to_be_visible()
    audit_widths(page, "export confirmation")


def test_side_pages_pass_axe(live_server, new_page):
    org = customer_make().organization

    def make(**fields):
        return challenge_make(
            customer=customer_make(organization=org), return_url=_return_url(live_server), **fields
        )

    page = new_page(width=360)
    # A wrong token names no organization: the page stays unbranded, so the accents do not apply.
    page.goto(live_server.url + link_path(make()).rsplit("/", 1)[0] + "/not-the-token")
    expect(page.locator("h1")).to_be_visible()
    audit_every_look(page, None, "invalid link")

    used = make()
    open_link(new_page(), live_server, used)  # another browser holds it
    page.goto(live_server.url + link_path(used))
    audit_every_look(page, org, "link already used")

    page.goto(f"{live_server.url}/gateway/s/{used.id}/")
    audit_every_look(page, org, "another browser")

    page.goto(live_server.url + link_path(make(expires_in=timedelta(seconds=-1))))
    audit_every_look(page, org, "expired link")

    locked = make()
    Challenge.objects.filter(pk=locked.pk).update(
        status=Challenge.Status.FAILED, result={"reason": "PIN_LOCKED"}
    )
    page.goto(live_server.url + link_path(locked))
    expect(page.locator("h1")).to_have_text("Your PIN is locked")
    audit_every_look(page, org, "locked PIN")

    done = make()
    Challenge.objects.filter(pk=done.pk).update(status=Challenge.Status.VERIFIED)
    page.goto(live_server.url + link_path(done))
    audit_every_look(page, org, "finished")
