"""The gateway in Filipino: the page's language (switch > challenge.locale > Accept-Language >
English), its JSON messages, the code email, the JS catalogue, and answers across languages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from core.crypto import b64url
from customers.models import Challenge

from .conftest import Flow
from .factories import challenge_make, customer_make, link_path, link_spend

pytestmark = pytest.mark.django_db

FIL_HEADING = "Protektahan ang iyong wallet"
EN_HEADING = "Protect your wallet"


def _open(challenge: Challenge, client: Client | None = None, **headers):
    client = client or Client()
    response = link_spend(client, challenge, **headers)
    assert response.status_code == 303
    return client, client.get(response["Location"], **headers)


def _h1(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode()).group(1)


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)


def test_english_by_default():
    _, page = _open(challenge_make())
    assert _h1(page) == EN_HEADING and _lang(page) == "en"
    assert "/gateway/i18n/en/catalog.js" in page.content.decode()


def test_challenge_locale_fil_renders_filipino():
    _, page = _open(challenge_make(locale="fil"))
    body = page.content.decode()
    assert _h1(page) == FIL_HEADING and _lang(page) == "fil"
    assert page["Content-Language"] == "fil"
    assert "/gateway/i18n/fil/catalog.js" in body
    assert "Pumili ng iyong PIN" in body  # the PIN step's heading
    assert "Ano ang pangalan ng una mong alagang hayop?" in body  # the question list


@pytest.mark.parametrize("header", ["fil", "fil-PH,en;q=0.5", "tl", "de;q=1, tl-PH;q=0.8, en;q=0.3"])
def test_accept_language_filipino(header):
    _, page = _open(challenge_make(), HTTP_ACCEPT_LANGUAGE=header)
    assert _h1(page) == FIL_HEADING and _lang(page) == "fil"


@pytest.mark.parametrize("header", ["en-US,fil;q=0.5", "de, fr;q=0.9", "fil;q=0, en"])
def test_accept_language_english(header):
    _, page = _open(challenge_make(), HTTP_ACCEPT_LANGUAGE=header)
    assert _h1(page) == EN_HEADING and _lang(page) == "en"


def test_challenge_locale_wins_over_accept_language():
    _, page = _open(challenge_make(locale="en"), HTTP_ACCEPT_LANGUAGE="fil")
    assert _h1(page) == EN_HEADING


def test_switch_overrides_locale_and_accept_language_and_is_remembered():
    challenge = challenge_make(locale="en")
    client, page = _open(challenge, HTTP_ACCEPT_LANGUAGE="en")
    path = page.wsgi_request.path
    assert f'href="{path}?lang=fil"' in page.content.decode()  # the switch: plain links
    switched = client.get(f"{path}?lang=fil", HTTP_ACCEPT_LANGUAGE="en")
    assert switched.status_code == 200 and _h1(switched) == FIL_HEADING and _lang(switched) == "fil"
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")  # remembered for this challenge
    assert _h1(again) == FIL_HEADING
    back = client.get(f"{path}?lang=en")
    assert _h1(back) == EN_HEADING
    # Switching spent nothing: the challenge is still open, bound to this browser.
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.IN_PROGRESS


def test_switch_with_an_unknown_language_is_ignored():
    client, page = _open(challenge_make(locale="fil"))
    other = client.get(f"{page.wsgi_request.path}?lang=xx")
    assert other.status_code == 200 and _h1(other) == FIL_HEADING


def test_side_pages_in_filipino():
    challenge = challenge_make(locale="fil")
    _open(challenge)
    used = Client().get(link_path(challenge))  # the link again, from another browser
    assert used.status_code == 409
    assert "Nagamit na ang link na ito" in used.content.decode()
    invalid = Client().get(link_path(challenge)[:-3] + "xyz", HTTP_ACCEPT_LANGUAGE="fil")
    assert invalid.status_code == 404 and "Hindi valid ang link na ito" in invalid.content.decode()


def test_json_errors_in_the_page_language():
    flow = Flow(challenge_make(locale="fil"))
    flow.open()
    refused = flow.post("recovery/questions/start")  # before the PIN
    assert refused.status_code == 409
    assert refused.json()["message"] == "Pumili muna ng PIN."
    flow.set_pin()
    assert flow.post("recovery/questions/start").status_code == 200
    body = {
        "questionIds": ["first_pet"],
        "authKey": b64url(flow.auth_key),
        "wrappedShard": b64url(flow.wrapped),
    }
    wrong = flow.post("recovery/questions", body)
    assert wrong.status_code == 400
    assert wrong.json()["message"] == "Pumili ng 3 tanong mula sa listahan."


def test_email_code_in_the_challenge_language(django_capture_on_commit_callbacks):
    challenge = challenge_make(locale="fil")
    flow = Flow(challenge)
    flow.open()
    flow.set_pin()
    # The mail goes on commit, after the request (and its active language) is over.
    with django_capture_on_commit_callbacks(execute=True):
        response = flow.post("recovery/email/start", {"email": "ana@example.com"})
    assert response.status_code == 200, response.json()
    message = mail.outbox[-1]
    app = challenge.organization.name
    assert message.subject == f"Ang iyong {app} confirmation code"
    assert "Ang iyong confirmation code ay " in message.body
    assert "Mag-e-expire ito sa loob ng 10 minuto." in " ".join(message.body.split())
    html = message.alternatives[0][0]
    assert "Ang iyong confirmation code ay:" in html


def test_email_follows_the_switch_made_on_the_page(django_capture_on_commit_callbacks):
    challenge = challenge_make(locale="en")
    flow = Flow(challenge)
    page = flow.open()
    flow.client.get(f"{page.wsgi_request.path}?lang=fil")
    flow.set_pin()
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.post("recovery/email/start", {"email": "ana@example.com"}).status_code == 200
    assert mail.outbox[-1].subject == f"Ang iyong {challenge.organization.name} confirmation code"


def test_email_in_english_without_a_choice(django_capture_on_commit_callbacks):
    challenge = challenge_make()
    flow = Flow(challenge)
    flow.open()
    flow.set_pin()
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.post("recovery/email/start", {"email": "ana@example.com"}).status_code == 200
    assert mail.outbox[-1].subject == f"Your {challenge.organization.name} confirmation code"
    assert "Your confirmation code is " in mail.outbox[-1].body


def test_answers_set_in_filipino_restore_in_english():
    """Questions are stored as ids and the answer secret is made in the page from the normalised
    answers, so the language of the page that set them does not matter."""
    customer = customer_make()
    setup = Flow(challenge_make(customer=customer, locale="fil"))
    setup.open()
    setup.set_pin()
    assert setup.set_questions().status_code == 200
    assert setup.post("complete").status_code == 200
    restore = Flow(challenge_make(customer=customer, type=Challenge.Type.RESET_PIN, locale="en"))
    page = restore.open().content.decode()
    assert "What was the name of your first pet?" in page  # the same ids, shown in English
    assert restore.post("restore/questions", {"authKey": b64url(setup.auth_key)}).status_code == 200


def test_js_catalogue_serves_the_filipino_strings():
    response = Client().get("/gateway/i18n/fil/catalog.js")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pare-pareho ang anim na digit" in body  # a PIN-rule message, from locale/ (LOCALE_PATHS)
    english = Client().get("/gateway/i18n/en/catalog.js").content.decode()
    assert "Pare-pareho" not in english
    assert Client().get("/gateway/i18n/de/catalog.js").status_code == 404
