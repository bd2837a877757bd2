"""Wallets fixtures: the customers API client and fixtures, onboarded customers, and wallets
provisioned through the real services with the page played by the Python mirror."""

from __future__ import annotations

import secrets

import pytest

from customers.models import Customer
from tests.customers.conftest import (  # noqa: F401 - fixtures shared with the customers tests
    ORIGIN,
    Api,
    _generous_rate_limit,
    api,
    full_key,
    organization,
    other_api,
    other_organization,
    restricted_api,
    restricted_key,
)
from wallets import services
from wallets.models import WalletRequest

from . import key_mirror as km


def onboarded(customer: Customer) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(
        has_pin=True, has_recovery=True, recovery_methods=["SECURITY_QUESTIONS"]
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def customer(organization):  # noqa: F811 - the imported fixture
    from customers.services import customer_create

    return onboarded(customer_create(organization=organization, ref_id="user-1", name="Ana"))


_SHARDS: dict = {}  # one shard per customer, as the gateway keeps one


def provision(
    customer: Customer,
    blockchains: list[str],
    *,
    shard: bytes | None = None,
    metadata=None,
    redirect_url: str = f"{ORIGIN}/done",
):
    """Open a CREATE_WALLET challenge and complete it as the page would; returns (challenge, wallets)."""
    shard = shard if shard is not None else _SHARDS.setdefault(customer.pk, secrets.token_bytes(32))
    challenge = services.wallet_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        blockchains=blockchains,
        redirect_url=redirect_url,
        metadata=metadata,
    )
    u = km.user_share(shard)
    public, proof = km.pok(u, challenge_id=challenge.id, customer_id=customer.id)
    release = services.wallet_keys_release(challenge=challenge, user_public=public, proof=proof)
    k = km.wallet_key(u, release.server_share, release.index)
    signature = km.confirm(k, challenge_id=challenge.id, address=release.address)
    wallets = services.wallets_confirm(challenge=challenge, confirmations={release.address: signature})
    assert WalletRequest.objects.get(challenge=challenge).key_index == release.index
    return challenge, wallets
