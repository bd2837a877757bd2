"""Reads of the wallets app, scoped to one organization; list pages in a constant number of queries."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from core.errors import NotFound
from customers.models import Customer, Organization
from customers.selectors import Page, _page_of, customer_get, parse_uuid

from .errors import Code, RecoveryRequired
from .models import CustomerKey, Wallet, WalletTally


def wallet_list(
    *,
    organization: Organization,
    customer_ids: list[uuid.UUID] | None = None,
    blockchain: str | None = None,
    address: str | None = None,
    ref_id: str | None = None,
    page: int = 1,
    limit: int = 10,
    order: str = "desc",
) -> Page:
    """Two queries: the total, then one page of rows through the matching index.

    Unfiltered, the total is the organization's tally (kept in the creating transaction), not
    a COUNT(*) over millions of rows; with a filter it is a COUNT on the filter's index
    (a few customers' wallets, one address, one refId, or one chain of the organization).
    """
    qs: QuerySet[Wallet] = Wallet.objects.filter(organization=organization)
    filtered = False
    if customer_ids is not None:
        qs, filtered = qs.filter(customer_id__in=customer_ids), True
    if blockchain:
        qs, filtered = qs.filter(blockchain=blockchain), True
    if address:
        qs, filtered = qs.filter(address=address), True
    if ref_id is not None:
        qs, filtered = qs.filter(ref_id=ref_id), True
    if filtered:
        total = qs.count()
    else:
        tally = (
            WalletTally.objects.filter(organization=organization)
            .values_list("wallet_count", flat=True)
            .first()
        )
        total = tally or 0
    return Page(_page_of(qs, total=total, page=page, limit=limit, order=order), page, limit, total)


def wallet_get(*, organization: Organization, wallet_id: object) -> Wallet:
    pk = parse_uuid(wallet_id)
    wallet = Wallet.objects.filter(pk=pk, organization=organization).first() if pk is not None else None
    if wallet is None:
        raise NotFound("Wallet not found", code=Code.NOT_FOUND)
    return wallet


def customer_public_key_get(*, organization: Organization, customer_id: object) -> tuple[Customer, bytes]:
    """The customer's joint public key P; 404 until the first wallet made it."""
    customer = customer_get(organization=organization, customer_id=customer_id)
    if not customer.has_recovery:
        raise RecoveryRequired()
    key = CustomerKey.objects.filter(customer=customer).only("public_key").first()
    if key is None:
        raise NotFound("This customer has no wallet key yet: create a wallet first", code=Code.NOT_FOUND)
    return customer, bytes(key.public_key)
