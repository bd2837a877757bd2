"""Gateway fixtures: a browser-like client that opened a challenge link and calls the JSON steps."""

from __future__ import annotations

import json
import secrets

import pytest
from django.test import Client

from core import oprf
from core.crypto import b64url
from customers.models import Challenge

from .factories import challenge_make, link_spend


class Flow:
    """One browser session driving one challenge through the JSON steps, like the page's script."""

    def __init__(self, challenge: Challenge, client: Client | None = None) -> None:
        self.challenge = challenge
        self.client = client or Client(enforce_csrf_checks=True)
        self.auth_key = secrets.token_bytes(32)
        self.wrapped = secrets.token_bytes(60)

    @property
    def customer(self):
        self.challenge.customer.refresh_from_db()
        return self.challenge.customer

    def open(self):
        response = link_spend(self.client, self.challenge)
        assert response.status_code == 303, response.status_code
        page = self.client.get(response["Location"])
        assert page.status_code == 200
        return page

    @property
    def csrf(self) -> str:
        return self.client.cookies["csrftoken"].value

    def post(self, step: str, body: dict | None = None, *, csrf: bool = True, raw: bool = False):
        """One JSON step. Unless raw=True, it adds what the page's scheme v2 sends along (a blinded
        element with a start; for an unlock, the counted evaluation first, or for a v1 copy a
        blinded element), so a test can speak of authKeys alone."""
        body = dict(body or {})
        if not raw:
            body = self._as_the_page_would(step, body, csrf=csrf)
        return self._post(step, body, csrf=csrf)

    def _post(self, step: str, body: dict, *, csrf: bool = True):
        headers = {"HTTP_X_CSRFTOKEN": self.csrf} if csrf else {}
        return self.client.post(
            f"/gateway/api/{self.challenge.id}/{step}",
            data=json.dumps(body),
            content_type="application/json",
            **headers,
        )

    UNLOCKS = {
        "pin/verify": ("pin/evaluate", "pin"),
        "restore/questions": ("restore/questions/evaluate", "questions"),
    }

    def _as_the_page_would(self, step: str, body: dict, *, csrf: bool) -> dict:
        if step in ("pin/start", "recovery/questions/start") and "blindedElement" not in body:
            body["blindedElement"] = blinded_element()
        if step in self.UNLOCKS and "evaluationId" not in body and "blindedElement" not in body:
            evaluate, kind = self.UNLOCKS[step]
            if copy_scheme(self.challenge.customer_id, kind) == 1:
                body["blindedElement"] = blinded_element()
            else:
                answer = self._post(evaluate, {"blindedElement": blinded_element()}, csrf=csrf)
                if answer.status_code == 200:
                    body["evaluationId"] = answer.json()["data"]["evaluationId"]
        return body

    def set_pin(self):
        assert self.post("pin/start").status_code == 200
        body = {"authKey": b64url(self.auth_key), "wrappedShard": b64url(self.wrapped)}
        response = self.post("pin/setup", body)
        assert response.status_code == 200, response.json()
        return response

    def set_questions(self, ids=("first_pet", "first_school", "first_job"), auth_key: bytes | None = None):
        assert self.post("recovery/questions/start").status_code == 200
        return self.post(
            "recovery/questions",
            {
                "questionIds": list(ids),
                "authKey": b64url(auth_key or self.auth_key),
                "wrappedShard": b64url(self.wrapped),
            },
        )


def blinded_element() -> str:
    """A valid blinded element of some PIN (uniformly random, as the page's are)."""
    return b64url(oprf.blind(secrets.token_bytes(6))[1])


def copy_scheme(customer_id, kind: str) -> int | None:
    from gateway.models import PinCredential, QuestionRecovery

    model = PinCredential if kind == "pin" else QuestionRecovery
    return model.objects.filter(customer_id=customer_id).values_list("scheme_version", flat=True).first()


@pytest.fixture
def flow(db) -> Flow:
    flow = Flow(challenge_make())
    flow.open()
    return flow


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("OG_REQUIRE_SERVICES") == "1":  # set by .ci/run (tests/conftest.py)
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} is missing")
    # The sync Playwright API runs an event loop in the test thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


class Recorder:
    """Every request a page makes: URL, headers and body, to search for secrets afterwards."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request) -> None:
        body = request.post_data_buffer or b""
        self.requests.append("\n".join([request.url, repr(request.headers), body.decode("latin-1")]))

    def assert_absent(self, secrets_: dict[str, str]) -> None:
        assert self.requests, "nothing was recorded"
        for name, value in secrets_.items():
            for text in self.requests:
                assert value not in text, f"{name} went over the wire"


@pytest.fixture
def new_page(browser, settings):
    # The pages send the browser back to the demo return page, which exists only with DEBUG.
    settings.DEBUG = True
    contexts = []

    def make(width: int = 390):
        context = browser.new_context(viewport={"width": width, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        recorder = Recorder()
        page.on("request", recorder)
        page.recorder = recorder
        return page

    yield make
    for context in contexts:
        context.close()
