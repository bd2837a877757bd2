"""The recovery-code email carries the app's name, logo, accent and support link, in a text part
and an HTML part, from "<App> via <product>"."""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest
from django.core import mail

from branding.selectors import branding_for_org

from .conftest import brand_acme

pytestmark = pytest.mark.django_db


def _send(flow, capture):
    flow.set_pin()
    with capture(execute=True):
        response = flow.post("recovery/email/start", {"email": "ana@example.com"})
    assert response.status_code == 200
    return mail.outbox[-1]


def test_the_code_email_is_branded_in_both_parts(flow, django_capture_on_commit_callbacks, png, settings):
    settings.PUBLIC_BASE_URL = "https://gateway.example.com"
    settings.DEFAULT_FROM_EMAIL = "Ops <noreply@gateway.example.com>"
    org = flow.challenge.organization
    brand_acme(org, logo=png)
    message = _send(flow, django_capture_on_commit_callbacks)
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    assert message.subject == "Your Acme Wallet confirmation code"
    assert code not in message.subject
    assert parseaddr(message.message()["From"]) == (
        "Acme Wallet via Onboarding Gateway",
        "noreply@gateway.example.com",
    )
    assert message.to == ["ana@example.com"]
    text = message.body
    assert "Acme Wallet uses Onboarding Gateway to protect your wallet." in text
    assert "Need help? Contact Acme Wallet support: https://acme.example/help" in text
    assert "It expires in 10 minutes." in text
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    logo = branding_for_org(organization_id=org.pk).logo_path
    assert f'src="https://gateway.example.com{logo}"' in html and 'alt="Acme Wallet"' in html
    assert code in html and "#1b3a8a" in html
    assert 'href="https://acme.example/help"' in html
    assert "Acme Wallet uses Onboarding Gateway to protect your wallet." in html


def test_an_unbranded_organization_mails_under_its_own_name_without_a_logo(
    flow, django_capture_on_commit_callbacks
):
    message = _send(flow, django_capture_on_commit_callbacks)
    name = flow.challenge.organization.name
    assert message.subject == f"Your {name} confirmation code"
    assert parseaddr(message.message()["From"])[0] == f"{name} via Onboarding Gateway"
    [(html, _)] = message.alternatives
    assert "<img" not in html and "Need help?" not in html and name in html
