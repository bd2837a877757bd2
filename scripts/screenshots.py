#!/usr/bin/env python
"""Capture every gateway page at 360 and 1280 px into docs/screenshots/ (run: `make screenshots`).

Starts the app on a throwaway SQLite database in a background thread, walks the pages of the
demo integrator "Acme Wallet" (its logo, a dark accent) in Debian's headless Chromium, once per
language (the browser asks for it, as a phone set to that language would), and writes
<nn>-<page>-<lang>-<width>.png; then shrinks the PNGs losslessly (optipng when installed).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (360, 1280)
LANGUAGES = ("en", "fil")  # settings.LANGUAGES; checked in main()


def _branded_organization(organization_make: Any) -> Any:
    """The pages are shown as an integrator's: "Acme Wallet", its logo, a dark accent, a support link."""
    import io

    from PIL import Image, ImageDraw

    from branding.services import branding_update

    organization = organization_make()
    logo = Image.new("RGB", (96, 96), (27, 58, 138))
    ImageDraw.Draw(logo).ellipse((18, 18, 78, 78), fill=(245, 197, 66))
    out = io.BytesIO()
    logo.save(out, format="PNG")
    branding_update(
        organization=organization,
        actor="screenshots",
        display_name="Acme Wallet",
        accent_color="#1b3a8a",
        support_url="https://acme.example/help",
        logo=out.getvalue(),
    )
    return organization


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="gateway-shots-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/shots.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright runs an event loop here
    sys.path.insert(0, str(ROOT))
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure-browser)", file=sys.stderr)
        return 1

    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = True  # the demo return page (shot 13) exists only with DEBUG
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread
    from django.test.utils import setup_test_environment
    from playwright.sync_api import expect, sync_playwright

    from customers.models import Challenge
    from tests.gateway.factories import challenge_make, customer_make, link_path, organization_make
    from tests.gateway.seed import seed_pin, seed_questions
    from wallets.services import wallet_challenge_create

    setup_test_environment()  # locmem email, so the code can be read back
    call_command("migrate", verbosity=0, interactive=False)
    server = LiveServerThread("localhost", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    OUT.mkdir(parents=True, exist_ok=True)
    demo = f"{base}/gateway/demo/return?from=app"
    acme = _branded_organization(organization_make)
    if LANGUAGES != tuple(code for code, _name in settings.LANGUAGES):
        print(f"LANGUAGES {LANGUAGES} differs from settings.LANGUAGES: update it", file=sys.stderr)
        return 1
    written: list[Path] = []
    answers = ["Fluffy", "Escuela Rizal", "Baker"]
    ids = ["first_pet", "first_school", "first_job"]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for lang, width in itertools.product(LANGUAGES, WIDTHS):

            def page_for(width=width, lang=lang):
                context = browser.new_context(viewport={"width": width, "height": 800}, locale=lang)
                page = context.new_page()
                page.set_default_timeout(60_000)
                return page

            def shot(page, name, width=width, lang=lang, gateway=True):
                if gateway:  # the page is in the language asked for (not the demo return page)
                    expect(page.locator("html")).to_have_attribute("lang", lang)
                path = OUT / f"{name}-{lang}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
                print("wrote", path.relative_to(ROOT))

            page = page_for()
            challenge = challenge_make(customer=customer_make(organization=acme), return_url=demo)
            page.goto(base + link_path(challenge))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            shot(page, "01-pin")
            page.fill("#pin1", "123456")
            shot(page, "02-pin-refused")
            page.fill("#pin1", "480317")
            page.fill("#pin2", "480317")
            page.click("#pin-form button[type=submit]")
            expect(page.locator("#pin-form .progress")).to_be_visible()
            shot(page, "03-pin-progress")
            expect(page.locator("#step-recovery")).to_be_visible()
            shot(page, "04-recovery-choice")
            page.click("#choose-questions")
            page.select_option("#q1", "first_pet")
            page.fill("#a1", "Fluffy")
            page.select_option("#q2", "first_pet")
            page.click("#questions-form button[type=submit]")
            shot(page, "05-questions")
            page.click("#questions-form [data-back]")
            page.click("#choose-email")
            page.fill("#email", "ana@example.com")
            page.click("#email-form button[type=submit]")
            expect(page.locator("#email-code-form")).to_be_visible()
            shot(page, "06-email-code")
            page.context.close()

            customer = customer_make(organization=acme)
            seed_pin(customer, "480317", os.urandom(32))
            page = page_for()
            page.goto(base + link_path(challenge_make(customer=customer, return_url=demo)))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            shot(page, "07-resume-enter-pin")
            page.context.close()

            customer = customer_make(organization=acme)
            shard = os.urandom(32)
            seed_pin(customer, "480317", shard)
            seed_questions(customer, ids, answers, shard)
            page = page_for()
            reset = challenge_make(customer=customer, type=Challenge.Type.RESET_PIN, return_url=demo)
            page.goto(base + link_path(reset))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            shot(page, "08-restore-questions")
            for i, answer in enumerate(answers, start=1):
                page.fill(f"#ra{i}", answer)
            page.click("#restore-questions-form button[type=submit]")
            expect(page.locator("#step-pin")).to_be_visible()
            shot(page, "09-restore-new-pin")
            other = page_for()
            other.goto(base + link_path(reset))
            shot(other, "10-link-already-used")
            other.goto(f"{base}/gateway/s/{reset.id}/")
            shot(other, "11-other-browser-refused")
            other.context.close()
            page.context.close()

            page = page_for()
            expired = challenge_make(
                customer=customer_make(organization=acme), return_url=demo, expires_in=timedelta(seconds=-1)
            )
            page.goto(base + link_path(expired))
            shot(page, "12-expired")
            page.goto(f"{demo}&challengeId={expired.id}&status=verified")
            shot(page, "13-demo-return", gateway=False)
            page.context.close()

            customer = customer_make(organization=acme)
            shard = os.urandom(32)
            seed_pin(customer, "480317", shard)
            seed_questions(customer, ids, answers, shard)
            page = page_for()
            wallet = wallet_challenge_create(
                organization=customer.organization,
                customer_id=customer.pk,
                blockchains=["ETH-SEPOLIA", "MATIC-AMOY"],
                redirect_url=demo,
            )
            page.goto(base + link_path(wallet))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            shot(page, "14-wallet-pin")
            page.fill("#unlock-pin", "480317")
            page.click("#unlock-form button[type=submit]")
            expect(page.locator("#wallet-created")).to_be_visible()
            shot(page, "14-wallet-created")
            page.context.close()

            # Approval pages of the signing journey, on the wallet just created.
            from tests.wallets.test_signing_steps import TX, permit
            from wallets.models import Wallet
            from wallets.signing_services import export_challenge_create, sign_challenge_create

            made = Wallet.objects.get(customer=customer, blockchain="ETH-SEPOLIA")
            requests: list[tuple[str, str, dict[str, Any]]] = [
                ("15-sign-message", "message", {"message": "Sign in to Acme Wallet\nnonce: 8c1f02"}),
                ("16-sign-typed-data", "typed_data", {"typed_data": json.dumps(permit(made.address))}),
                (
                    "17-sign-transaction",
                    "transaction",
                    {"transaction_": {**TX, "data": "0xa9059cbb" + "00" * 64}},
                ),
            ]
            for name, kind, payload in requests:
                request = sign_challenge_create(
                    organization=customer.organization,
                    customer_id=customer.pk,
                    wallet_id=made.pk,
                    kind=kind,
                    redirect_url=demo,
                    memo="Order #1042",
                    **payload,
                )
                page = page_for()
                page.goto(base + link_path(request))
                page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
                expect(page.locator("#step-unlock")).to_be_visible()
                shot(page, name)
                page.context.close()
            export = export_challenge_create(
                organization=customer.organization, customer_id=customer.pk, redirect_url=demo
            )
            page = page_for()
            page.goto(base + link_path(export))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            page.fill("#unlock-pin", "480317")
            page.click("#unlock-form button[type=submit]")
            expect(page.locator("#step-export")).to_be_visible()
            shot(page, "18-export-confirm")
            page.check("#export-confirm")
            page.click("#export-form button[type=submit]")
            expect(page.locator("#export-key-0")).to_be_visible()
            shot(page, "19-export-keys-hidden")
            page.context.close()
            change = challenge_make(customer=customer, type=Challenge.Type.CHANGE_PIN, return_url=demo)
            page = page_for()
            page.goto(base + link_path(change))
            page.wait_for_url("**/gateway/s/**")  # the link's page spends it (POST)
            shot(page, "20-change-pin")
            locked = challenge_make(customer=customer_make(organization=acme), return_url=demo)
            # The page a challenge ended by five wrong PINs shows (as the PIN step leaves it).
            Challenge.objects.filter(pk=locked.pk).update(
                status=Challenge.Status.FAILED, result={"reason": "PIN_LOCKED"}
            )
            page.goto(base + link_path(locked))
            shot(page, "21-locked")
            page.context.close()
        browser.close()
    server.terminate()
    _optimize(written)
    return 0


def _optimize(paths: list[Path]) -> None:
    """Lossless: optipng when installed (scripts/apt-install optipng), else Pillow's optimize."""
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", *map(str, paths)], check=True)  # noqa: S603, S607
        return
    from PIL import Image

    for path in paths:
        with Image.open(path) as image:
            image.load()
        image.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
