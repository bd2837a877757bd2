"""Writes of the signing and key-export challenges (SIGN_MESSAGE, SIGN_TYPED_DATA, SIGN_TRANSACTION,
EXPORT_PRIVATE_KEYS): opening them through the API, and their gateway steps after the PIN.

Opening a signing challenge parses and hashes the payload first (wallets/signing.py), so a
payload that cannot be signed is refused before any challenge exists. After the page proved the
PIN, the server releases v and t_i of the wallet's index with the digest; the page signs with
k_i and sends the signature only, which is accepted once and only if it recovers to the wallet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from core.audit import AuditAction, SystemActor
from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from core.services import audit_record
from customers.models import Challenge, Customer, Organization
from customers.selectors import parse_uuid
from customers.services import challenge_open_locked, customer_row_lock
from gateway.services.steps import step_challenge, step_done
from webhooks.events import WebhookEvent
from webhooks.services import event_emit

from . import keys, signing
from .chains import chain_of
from .errors import Code
from .models import CustomerKey, SignRequest, Wallet
from .serializers import wallet_data
from .services import _server_share, customer_wallet_gate

SIGN_TYPES = {
    SignRequest.Kind.MESSAGE: "MESSAGE",
    SignRequest.Kind.TYPED_DATA: "TYPED_DATA",
    SignRequest.Kind.TRANSACTION: "TRANSACTION",
}
KIND_TYPES = {
    SignRequest.Kind.MESSAGE: Challenge.Type.SIGN_MESSAGE,
    SignRequest.Kind.TYPED_DATA: Challenge.Type.SIGN_TYPED_DATA,
    SignRequest.Kind.TRANSACTION: Challenge.Type.SIGN_TRANSACTION,
}


def _customer_locked(*, organization: Organization, customer_id: uuid.UUID | str) -> Customer:
    customer = customer_row_lock(organization=organization, customer_id=customer_id)
    customer_wallet_gate(customer=customer)
    return customer


@transaction.atomic
def sign_challenge_create(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    wallet_id: object,
    kind: str,
    redirect_url: str,
    memo: str = "",
    message: str | None = None,
    encoded_by_hex: bool = False,
    typed_data: str | None = None,
    transaction_: dict[str, Any] | None = None,
    raw_transaction: str | None = None,
    actor: str = "",
    locale: str | None = None,
    config_epoch: str | None = None,
) -> Challenge:
    """A SIGN_* challenge for one of the customer's wallets; 404 for a wallet that is not the
    customer's, 400 for a payload eth-account cannot parse, 409 without recovery, 423 while locked."""
    customer = _customer_locked(organization=organization, customer_id=customer_id)
    pk = parse_uuid(wallet_id)
    wallet = Wallet.objects.filter(pk=pk, customer=customer).first() if pk is not None else None
    if wallet is None:
        raise NotFound(
            "Wallet not found for this customer",
            code=Code.NOT_FOUND,
            errors={"walletId": ["not this customer's"]},
        )
    chain = chain_of(wallet.blockchain)
    if kind == SignRequest.Kind.MESSAGE:
        prepared = signing.message_prepare(message=message or "", encoded_by_hex=encoded_by_hex)
    elif kind == SignRequest.Kind.TYPED_DATA:
        prepared = signing.typed_data_prepare(typed_data=typed_data or "", chain=chain)
    else:
        prepared = signing.transaction_prepare(
            transaction=transaction_, raw_transaction=raw_transaction, chain=chain, address=wallet.address
        )
    challenge = challenge_open_locked(
        organization=organization,
        customer=customer,
        type=KIND_TYPES[SignRequest.Kind(kind)],
        return_url=redirect_url,
        actor=actor,
        config_epoch=config_epoch,
        locale=locale,
    )
    SignRequest.objects.create(
        challenge=challenge,
        wallet=wallet,
        kind=kind,
        payload=prepared.payload,
        digest=prepared.digest,
        summary=prepared.summary,
        memo=memo,
    )
    return challenge


@transaction.atomic
def export_challenge_create(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    redirect_url: str,
    actor: str = "",
    locale: str | None = None,
    config_epoch: str | None = None,
) -> Challenge:
    """An EXPORT_PRIVATE_KEYS challenge; 409 for a customer without wallets."""
    customer = _customer_locked(organization=organization, customer_id=customer_id)
    if not Wallet.objects.filter(customer=customer).exists():
        raise Conflict("This customer has no wallets to export", code=Code.NO_WALLETS)
    return challenge_open_locked(
        organization=organization,
        customer=customer,
        type=Challenge.Type.EXPORT_PRIVATE_KEYS,
        return_url=redirect_url,
        actor=actor,
        config_epoch=config_epoch,
        locale=locale,
    )


# Gateway steps (after pin_enter; the flows table refuses them at any other step).


@dataclass(frozen=True)
class SignRelease:
    server_share: bytes
    tweak: bytes
    index: int
    address: str
    digest: bytes


def _sign_request(challenge: Challenge, *, lock: bool = False) -> SignRequest:
    qs = SignRequest.objects.select_related("wallet")
    if lock:
        qs = qs.select_for_update(of=("self",))
    request = qs.filter(challenge=challenge).first()
    if request is None:
        raise DomainError(
            "This is not a signing challenge.", code=Code.NOT_A_SIGNING_CHALLENGE, status_code=409
        )
    return request


@transaction.atomic
def sign_keys_step(*, challenge_id: uuid.UUID, session: SessionBase) -> SignRelease:
    """v and t_i of the wallet's index, and the digest to sign, for a page that proved the PIN."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="sign_keys", lock=True)
    request = _sign_request(challenge)
    key = CustomerKey.objects.get(customer_id=challenge.customer_id)
    v = _server_share(key)
    index = request.wallet.key_index
    return SignRelease(
        server_share=v,
        tweak=keys.tweak(v, index),
        index=index,
        address=request.wallet.address,
        digest=bytes(request.digest),
    )


@transaction.atomic
def sign_submit_step(*, challenge_id: uuid.UUID, session: SessionBase, signature: bytes) -> dict[str, str]:
    """Accept the page's signature if it recovers to the wallet (low-s), once; the challenge is then ready."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="sign_submit", lock=True)
    # A page loaded again starts over at the PIN and may sign again before `complete`: the new
    # signature is checked the same way and its result replaces the earlier one.
    request = _sign_request(challenge, lock=True)
    result = signing.signature_accept(
        kind=request.kind, payload=request.payload, signature=signature, address=request.wallet.address
    )
    first = request.result is None
    request.result = result
    request.signed_at = timezone.now()
    request.save(update_fields=["result", "signed_at"])
    if first:
        _signed_record(challenge=challenge, request=request, result=result)
    step_done(challenge=challenge)
    return result


def _signed_record(*, challenge: Challenge, request: SignRequest, result: dict[str, str]) -> None:
    """The audit row and the `transaction.signed` event of a challenge's first accepted signature."""
    audit_record(
        action=AuditAction.WALLET_SIGNED,
        target=request.wallet,
        actor=SystemActor.GATEWAY,
        data={
            "challenge": str(challenge.id),
            "kind": request.kind,
            **({"txHash": result["txHash"]} if "txHash" in result else {}),
        },
    )
    # One event name for the three kinds (Planbok's list has no message or typed-data event):
    # `signType` tells them apart; the result is public (a signature, a signed transaction).
    wallet = request.wallet
    event_emit(
        organization=challenge.organization_id,
        event=WebhookEvent.TRANSACTION_SIGNED,
        data={
            "challengeId": str(challenge.id),
            "customerId": str(challenge.customer_id),
            "walletId": str(wallet.id),
            "blockchain": wallet.blockchain,
            "address": wallet.address,
            "signType": SIGN_TYPES[SignRequest.Kind(request.kind)],
            **result,
        },
    )


def sign_challenge_result(challenge: Challenge) -> dict[str, Any]:
    """The SIGN_* rows' completion result: {signature} or {signedTransaction, txHash}."""
    return dict(_sign_request(challenge).result or {})


def sign_page_context(challenge: Challenge) -> dict[str, Any]:
    """What the approval page shows: the app, the wallet and chain, the summary of what is signed."""
    request = _sign_request(challenge)
    wallet = request.wallet
    chain = chain_of(wallet.blockchain)
    return {
        "wallet": wallet,
        "chain": chain,
        "sign_kind": request.kind,
        "summary": request.summary,
        "memo": request.memo,
    }


@dataclass(frozen=True)
class ExportRelease:
    server_share: bytes
    keys: list[dict[str, Any]]  # per key index: {index, tweak, address, wallets: [{id, blockchain}]}


@transaction.atomic
def export_keys_step(*, challenge_id: uuid.UUID, session: SessionBase, confirmed: bool) -> ExportRelease:
    """After the PIN and the user's explicit confirmation: v and every t_i of the customer's
    wallets; the wallets are marked exported (the server cannot know what the page shows, so
    releasing the material is the export) with an audit row each."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="export_keys", lock=True)
    if not confirmed:
        raise DomainError(
            "Confirm that you understand what exporting your keys means.",
            code=Code.EXPORT_NOT_CONFIRMED,
            errors={"confirmed": ["must be true"]},
        )
    key = CustomerKey.objects.get(customer_id=challenge.customer_id)
    v = _server_share(key)
    wallets = list(
        Wallet.objects.select_for_update()
        .filter(customer_id=challenge.customer_id)
        .order_by("key_index", "blockchain")
    )
    by_index: dict[int, dict[str, Any]] = {}
    for wallet in wallets:
        entry = by_index.setdefault(
            wallet.key_index,
            {
                "index": wallet.key_index,
                "tweak": keys.tweak(v, wallet.key_index),
                "address": wallet.address,
                "wallets": [],
            },
        )
        entry["wallets"].append({"id": str(wallet.id), "blockchain": wallet.blockchain})
    now = timezone.now()
    Wallet.objects.filter(pk__in=[w.pk for w in wallets]).update(exported=True, updated_at=now)
    # A page loaded again asks again in the same challenge: that is not a second export.
    recorded = AuditEvent.objects.filter(
        action=AuditAction.WALLET_KEYS_EXPORTED, data__challenge=str(challenge.id)
    ).exists()
    for wallet in [] if recorded else wallets:
        wallet.exported, wallet.updated_at = True, now
        audit_record(
            action=AuditAction.WALLET_KEYS_EXPORTED,
            target=wallet,
            actor=SystemActor.GATEWAY,
            data={"challenge": str(challenge.id), "index": wallet.key_index},
        )
        event_emit(
            organization=challenge.organization_id,
            event=WebhookEvent.WALLET_KEYS_EXPORTED,
            data=wallet_data(wallet),
        )
    step_done(challenge=challenge)
    return ExportRelease(server_share=v, keys=list(by_index.values()))


def export_challenge_result(challenge: Challenge) -> dict[str, Any]:
    """The EXPORT_PRIVATE_KEYS row's result: the wallets whose keys the page showed (no key)."""
    wallets = Wallet.objects.filter(customer_id=challenge.customer_id, exported=True).order_by(
        "key_index", "blockchain"
    )
    return {"wallets": [wallet_data(wallet) for wallet in wallets]}


def export_page_context(challenge: Challenge) -> dict[str, Any]:
    wallets = Wallet.objects.filter(customer_id=challenge.customer_id).order_by("key_index", "blockchain")
    return {"wallets": list(wallets)}  # the app's name: in every page's context
