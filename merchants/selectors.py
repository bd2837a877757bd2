"""Reads of the merchant API: clients, accounts, the account holder's status."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists

from core.crypto import DecryptionError, constant_time_equal, decrypt

from .models import Account, ApiClient, RefreshTokenFamily

PIN_PURPOSE = "merchant-pin"


def pin_aad(username: str) -> bytes:
    # Binds the ciphertext to its account: a PIN copied to another row does not open.
    return f"merchant-account:{username.lower()}".encode()


def api_client_get_enabled(*, client_id: str) -> ApiClient | None:
    return ApiClient.objects.filter(client_id=client_id, is_enabled=True).first()


def account_get(*, account_id: int) -> Account | None:
    return Account.objects.select_related("branch").filter(pk=account_id).first()


def account_get_for_token(*, account_id: int, family_id: uuid.UUID) -> Account | None:
    """The account of an access token, with `token_family_revoked` for its sign-in (one query)."""
    revoked = RefreshTokenFamily.objects.filter(pk=family_id, account_id=account_id, revoked_at__isnull=True)
    return (
        Account.objects.select_related("branch")
        .annotate(token_family_revoked=~Exists(revoked))
        .filter(pk=account_id)
        .first()
    )


def account_get_by_username(*, username: str) -> Account | None:
    return Account.objects.filter(username__iexact=username).first()


def account_pin_matches(*, account: Account, pin: str) -> bool:
    """Decrypt the stored PIN (any key version still configured) and compare in constant time."""
    try:
        stored = decrypt(bytes(account.pin_ciphertext), purpose=PIN_PURPOSE, aad=pin_aad(account.username))
    except DecryptionError:
        return False
    return constant_time_equal(stored, pin.encode())


def account_status(*, account: Account) -> dict[str, Any]:
    branch = account.branch
    return {
        "id": account.pk,
        "status": account.status,
        "branch": {"id": branch.pk, "name": branch.name} if branch else None,
        "declinedReason": account.declined_reason or None,
    }
