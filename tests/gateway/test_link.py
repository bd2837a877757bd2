"""Opening a challenge link: single use, bound to one browser, token dropped, ended challenges explained."""

import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from core.models import AuditEvent
from customers.models import Challenge

from .conftest import Flow
from .factories import challenge_make, link_path, link_spend

pytestmark = pytest.mark.django_db


def test_the_links_get_spends_nothing_and_offers_the_way_back():
    challenge = challenge_make()
    response = Client().get(link_path(challenge))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="open-form"' in html and "<noscript>" in html and "needs JavaScript" in html
    back = _return_link(response)
    assert back["status"] == ["pending"] and back["challengeId"] == [str(challenge.id)]
    challenge.refresh_from_db()
    assert challenge.status == "pending" and challenge.link_used_at is None and not challenge.session_binding
    # Getting it again (a previewer, a second look) is no use of it: a browser still spends it.
    assert Client().get(link_path(challenge)).status_code == 200
    assert link_spend(Client(), challenge).status_code == 303


def test_the_link_is_spent_only_by_a_post_with_the_pages_csrf_token():
    challenge = challenge_make()
    client = Client(enforce_csrf_checks=True)
    client.get(link_path(challenge))
    assert client.post(link_path(challenge)).status_code == 403
    challenge.refresh_from_db()
    assert challenge.link_used_at is None


def test_link_binds_session_and_redirects_to_token_free_page():
    challenge = challenge_make()
    client = Client()
    response = link_spend(client, challenge)
    assert response.status_code == 303
    assert response["Location"] == f"/gateway/s/{challenge.id}/"
    challenge.refresh_from_db()
    assert challenge.status == "in_progress"
    assert challenge.link_used_at is not None
    assert len(challenge.session_binding) == 64
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Choose your PIN" in page.content
    assert AuditEvent.objects.filter(action="gateway.link_opened", target_id=str(challenge.id)).exists()


def test_second_use_in_another_browser_is_refused_and_changes_nothing():
    challenge = challenge_make()
    link_spend(Client(), challenge)
    challenge.refresh_from_db()
    before = (challenge.status, challenge.session_binding, challenge.link_used_at)
    for response in (Client().get(link_path(challenge)), link_spend(Client(), challenge)):
        assert response.status_code == 409
        assert b"already used" in response.content
        back = _return_link(response)
        # Truthful: the challenge goes on in the browser that opened it.
        assert back["status"] == ["in_progress"] and back["challengeId"] == [str(challenge.id)]
        assert back["from"] == ["app"]
    challenge.refresh_from_db()
    assert (challenge.status, challenge.session_binding, challenge.link_used_at) == before


def test_same_browser_reopening_its_link_continues():
    challenge = challenge_make()
    client = Client()
    link_spend(client, challenge)
    assert client.get(link_path(challenge)).status_code == 303


def test_foreign_session_on_token_free_page_is_refused_with_the_way_back():
    challenge = challenge_make()
    link_spend(Client(), challenge)
    response = Client().get(f"/gateway/s/{challenge.id}/")
    assert response.status_code == 403
    assert b"another browser" in response.content
    back = _return_link(response)
    assert back["status"] == ["in_progress"] and back["challengeId"] == [str(challenge.id)]


def test_expired_challenge_shows_page_with_return_link():
    challenge = challenge_make(expires_in=timedelta(seconds=-1))
    response = Client().get(link_path(challenge))
    assert response.status_code == 410
    assert b"expired" in response.content
    back = _return_link(response)
    assert back["status"] == ["expired"] and back["from"] == ["app"]
    challenge.refresh_from_db()
    assert challenge.status == "expired" and challenge.link_used_at is None


def test_verified_challenge_shows_done_page():
    challenge = challenge_make()
    Challenge.objects.filter(pk=challenge.pk).update(status="verified")
    response = Client().get(link_path(challenge))
    assert response.status_code == 410
    assert _return_link(response)["status"] == ["verified"]


def test_bad_token_is_not_found_and_names_no_challenge():
    challenge = challenge_make()
    response = Client().get(f"/gateway/c/{challenge.id}/not-the-token")
    assert response.status_code == 404
    challenge.refresh_from_db()
    assert challenge.link_used_at is None
    # A real id with a wrong token reads exactly like an unknown id: no return address, no hint.
    unknown = Client().get(f"/gateway/c/{uuid.uuid4()}/not-the-token")
    unknown_id = unknown.wsgi_request.path.split("/")[3]
    assert unknown.status_code == 404
    # (The language switch links back to the address itself; the rest is the same to the byte.)
    assert _without_csrf(unknown).replace(unknown_id, "ID") == _without_csrf(response).replace(
        str(challenge.id), "ID"
    )
    assert b"wallet.example.com" not in response.content and b"start again" in response.content


def test_page_headers_are_strict():
    flow = Flow(challenge_make())
    page = flow.open()
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page["Referrer-Policy"] == "no-referrer"
    assert page["X-Frame-Options"] == "DENY"
    html = page.content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert 'type="password"' in html


@override_settings(DEBUG=True)  # the demo page exists only with DEBUG (test_session_hardening.py)
def test_demo_return_page_shows_the_query():
    response = Client().get("/gateway/demo/return?challengeId=abc&status=verified")
    assert response.status_code == 200
    assert b"verified" in response.content and b"abc" in response.content


def _without_csrf(response) -> str:
    return re.sub(r'name="csrf-token" content="[^"]*"', "", response.content.decode())


def _return_link(response):
    """The query of the page's way back to the app (its first button link)."""
    url = re.search(r'<a class="button"[^>]* href="([^"]*)"', response.content.decode()).group(1)
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)
