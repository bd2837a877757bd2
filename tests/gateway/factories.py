"""Rows the gateway tests start from: organization, customer, challenge and its link."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from customers.links import challenge_gateway_url
from customers.models import Challenge, Customer, Organization, RedirectOrigin

_seq = itertools.count(1)


def organization_make(*, origin: str = "https://wallet.example.com") -> Organization:
    org = Organization.objects.create(name=f"Org {next(_seq)}")
    RedirectOrigin.objects.create(organization=org, origin=origin)
    return org


def customer_make(*, organization: Organization | None = None, **fields) -> Customer:
    organization = organization or organization_make()
    return Customer.objects.create(organization=organization, ref_id=f"user-{next(_seq)}", **fields)


def challenge_make(
    *,
    customer: Customer | None = None,
    type: str = Challenge.Type.INITIALIZE,
    return_url: str = "https://wallet.example.com/done?from=app",
    expires_in: timedelta = timedelta(minutes=15),
    locale: str | None = None,
) -> Challenge:
    customer = customer or customer_make()
    return Challenge.objects.create(
        organization=customer.organization,
        customer=customer,
        type=type,
        return_url=return_url,
        expires_at=timezone.now() + expires_in,
        locale=locale,
    )


def link_path(challenge: Challenge) -> str:
    """The challenge's redirectUrl without the PUBLIC_BASE_URL, for test clients and live servers."""
    url = challenge_gateway_url(challenge_id=challenge.id)
    return url[url.index("/gateway/") :]


def link_spend(client, challenge: Challenge, **headers):
    """What a browser running the link's page does: GET the link (nothing spent), then POST it
    with the page's CSRF token (the link is spent and the session bound). The POST's response."""
    path = link_path(challenge)
    first = client.get(path, **headers)
    if first.status_code != 200 or "csrftoken" not in client.cookies:
        return first
    return client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, **headers)
