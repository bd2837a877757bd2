"""Writes of the wallets app: CREATE_WALLET challenges, the customer's joint key, the wallets.

The API side opens the challenge (gated on recovery and an unlocked PIN). The gateway side,
once the page proved the PIN in that challenge, sets up the joint key on the first wallet
(U and its proof of knowledge), reserves the challenge's key index and releases v and t_i
for it, then creates the wallets when the page shows, by a signature with each k_i, that it
derived the key of every address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.audit import AuditAction, SystemActor
from core.crypto import decrypt, encrypt
from core.errors import Conflict, DomainError
from core.services import audit_record
from customers.lockout import customer_pin_locked_until, lock_expiry_text, pin_locked_message
from customers.models import Challenge, Customer, Organization
from customers.services import challenge_open_locked, customer_row_lock
from webhooks.events import WebhookEvent
from webhooks.services import event_emit

from . import keys
from .errors import Code, KeyProofRefused, PinLocked, RecoveryRequired
from .models import CustomerKey, Wallet, WalletRequest, WalletTally
from .serializers import wallet_data

SERVER_SHARE_PURPOSE = "wallets-server-share"


def server_share_aad(customer_id: object) -> bytes:
    return f"onboarding-gateway|{customer_id}|v{keys.SCHEME_VERSION}|wallet-server-share".encode()


def customer_wallet_gate(*, customer: Customer) -> None:
    """Recovery first (the seed's rule), and no key work while the PIN is locked."""
    if not (customer.has_pin and customer.has_recovery):
        raise RecoveryRequired()
    until = customer_pin_locked_until(customer)
    if until is not None:
        raise PinLocked(pin_locked_message(until), errors={"lockedExpiryDate": [lock_expiry_text(until)]})


@transaction.atomic
def wallet_challenge_create(
    *,
    organization: Organization,
    customer_id: uuid.UUID | str,
    blockchains: list[str],
    redirect_url: str,
    account_type: str = "EOA",
    metadata: list[dict[str, str]] | None = None,
    actor: str = "",
    locale: str | None = None,
    config_epoch: str | None = None,
) -> Challenge:
    """A CREATE_WALLET challenge; 409 without recovery, 423 while the PIN is locked.
    `config_epoch`: as challenge_open's (the request's organization config epoch)."""
    customer = customer_row_lock(organization=organization, customer_id=customer_id)
    customer_wallet_gate(customer=customer)
    challenge = challenge_open_locked(
        organization=organization,
        customer=customer,
        type=Challenge.Type.CREATE_WALLET,
        return_url=redirect_url,
        actor=actor,
        config_epoch=config_epoch,
        locale=locale,
    )
    WalletRequest.objects.create(
        challenge=challenge, blockchains=list(blockchains), account_type=account_type, metadata=metadata or []
    )
    return challenge


@dataclass(frozen=True)
class KeyRelease:
    """What the page needs for this challenge's wallets: v and t_i, released after the PIN proof."""

    public_key: bytes
    server_share: bytes
    index: int
    tweak: bytes
    address: str
    created_key: bool


def _request_of(challenge: Challenge) -> WalletRequest:
    request = WalletRequest.objects.filter(challenge=challenge).first()
    if request is None:
        raise DomainError(
            "This is not a wallet challenge.", code=Code.NOT_A_WALLET_CHALLENGE, status_code=409
        )
    return request


def _server_share(key: CustomerKey) -> bytes:
    return decrypt(
        bytes(key.server_share_enc), purpose=SERVER_SHARE_PURPOSE, aad=server_share_aad(key.customer_id)
    )


def customer_key_create(
    *, challenge: Challenge, customer: Customer, user_public: bytes | None, proof: bytes | None
) -> CustomerKey:
    """The joint key from U and its proof (the caller holds the customer's row lock)."""
    if user_public is None or proof is None:
        raise DomainError(
            "The first wallet needs the user key and its proof.",
            code=Code.USER_KEY_REQUIRED,
            errors={"userPublicKey": ["required"], "proof": ["required"]},
        )
    try:
        valid = keys.pok_valid(
            proof=proof, challenge_id=challenge.id, customer_id=customer.id, user_public=user_public
        )
    except keys.InvalidPoint:
        raise KeyProofRefused(
            "The user key is not a valid secp256k1 point.", errors={"userPublicKey": ["invalid point"]}
        ) from None
    if not valid:
        raise KeyProofRefused("The proof of the user key is not valid.", errors={"proof": ["invalid"]})
    v = keys.server_share_new()
    try:
        joint = keys.joint_public_key(user_public, v)
    except keys.InvalidPoint:  # pragma: no cover - would need U = -v·G
        raise KeyProofRefused("The user key is not usable.", errors={"userPublicKey": ["invalid"]}) from None
    key = CustomerKey.objects.create(
        customer=customer,
        user_public_key=user_public,
        public_key=joint,
        server_share_enc=encrypt(v, purpose=SERVER_SHARE_PURPOSE, aad=server_share_aad(customer.id)),
    )
    audit_record(
        action=AuditAction.WALLET_KEY_CREATED,
        target=customer,
        actor=SystemActor.GATEWAY,
        data={"challenge": str(challenge.id), "publicKey": joint.hex()},
    )
    return key


@transaction.atomic
def wallet_keys_release(
    *, challenge: Challenge, user_public: bytes | None = None, proof: bytes | None = None
) -> KeyRelease:
    """After the PIN proof: make the joint key if this is the first wallet, reserve this
    challenge's index (once), and hand out v and t_i for it. The caller checked the session
    and the PIN proof and holds the challenge's row lock."""
    request = WalletRequest.objects.select_for_update().get(challenge=challenge)
    customer = Customer.objects.select_for_update().get(pk=challenge.customer_id)
    key = CustomerKey.objects.select_for_update().filter(customer=customer).first()
    created = False
    if key is None:
        key = customer_key_create(
            challenge=challenge, customer=customer, user_public=user_public, proof=proof
        )
        created = True
    elif user_public is not None and bytes(key.user_public_key) != user_public:
        # Two first-wallet pages raced and another user key won, or this page opened another
        # shard: it would derive keys of no wallet of this customer.
        raise KeyProofRefused(
            "This customer's wallet key was set up with another user key.",
            errors={"userPublicKey": ["does not match the customer's key"]},
        )
    if request.key_index is None:
        request.key_index = key.next_index
        request.save(update_fields=["key_index"])
        CustomerKey.objects.filter(pk=key.pk).update(next_index=F("next_index") + 1)
    v = _server_share(key)
    return KeyRelease(
        public_key=bytes(key.public_key),
        server_share=v,
        index=request.key_index,
        tweak=keys.tweak(v, request.key_index),
        address=keys.wallet_address(bytes(key.public_key), v, request.key_index),
        created_key=created,
    )


@transaction.atomic
def wallets_confirm(*, challenge: Challenge, confirmations: dict[str, bytes]) -> list[Wallet]:
    """Create the challenge's wallets once the page signed, with k_i, for each address.

    `confirmations` maps an address to a recoverable signature over keys.confirm_digest. The
    caller holds the challenge's row lock, so a replay finds the challenge already verified.
    """
    request = WalletRequest.objects.select_for_update().get(challenge=challenge)
    if request.key_index is None:
        raise DomainError("Unlock the key first.", code=Code.KEYS_FIRST, status_code=409)
    if Wallet.objects.filter(challenge=challenge).exists():
        raise Conflict("This challenge's wallets already exist.", code=Code.WALLETS_EXIST)
    # Same lock order as wallet_keys_release (request, customer, key): no deadlock between them.
    Customer.objects.select_for_update().filter(pk=challenge.customer_id).first()
    key = CustomerKey.objects.select_for_update().get(customer_id=challenge.customer_id)
    address = keys.wallet_address(bytes(key.public_key), _server_share(key), request.key_index)
    signature = next((sig for addr, sig in confirmations.items() if addr.lower() == address.lower()), None)
    signer = (
        keys.confirm_signer(signature=signature, challenge_id=challenge.id, address=address)
        if signature is not None
        else None
    )
    if signer != address:
        raise KeyProofRefused(
            "This device did not derive the key of the wallet address.",
            errors={"confirmations": [f"no valid confirmation for {address}"]},
        )
    metadata = list(request.metadata or [])
    wallets = [
        Wallet(
            organization_id=challenge.organization_id,
            customer_id=challenge.customer_id,
            challenge=challenge,
            blockchain=blockchain,
            address=address,
            account_type=request.account_type,
            name=(metadata[i].get("name") or "") if i < len(metadata) else "",
            ref_id=(metadata[i].get("refId") or "") if i < len(metadata) else "",
            key_index=request.key_index,
        )
        for i, blockchain in enumerate(request.blockchains)
    ]
    Wallet.objects.bulk_create(wallets)
    tally, _ = WalletTally.objects.get_or_create(organization_id=challenge.organization_id)
    WalletTally.objects.filter(pk=tally.pk).update(wallet_count=F("wallet_count") + len(wallets))
    for wallet in wallets:
        audit_record(
            action=AuditAction.WALLET_CREATED,
            target=wallet,
            actor=SystemActor.GATEWAY,
            data={"challenge": str(challenge.id), "blockchain": wallet.blockchain, "index": wallet.key_index},
        )
        event_emit(
            organization=challenge.organization_id,
            event=WebhookEvent.WALLET_CREATED,
            data=wallet_data(wallet),
        )
    return wallets


@transaction.atomic
def wallet_update(*, wallet: Wallet, changes: dict[str, Any], actor: str = "") -> Wallet:
    fields = {"name": "name", "refId": "ref_id"}
    update = {fields[k]: v for k, v in changes.items() if k in fields}
    if update:
        for attr, value in update.items():
            setattr(wallet, attr, value)
        wallet.updated_at = timezone.now()
        wallet.save(update_fields=[*update, "updated_at"])
        audit_record(
            action=AuditAction.WALLET_UPDATED, target=wallet, actor=actor, data={"fields": sorted(update)}
        )
    return wallet
