"""Writes of the merchant API: API clients, accounts, tokens, passwords and approval."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from core.audit import Actor, AuditAction, audit_actor_for
from core.conf import app_settings
from core.crypto import constant_time_equal, encrypt, peppered_hmac
from core.errors import Unauthenticated
from core.services import audit_record

from . import throttling
from .errors import (
    AccountNotPending,
    AccountSaveFailed,
    PasswordExpired,
    ReasonRequired,
    UsernameNotAvailable,
)
from .models import Account, ApiClient, Branch, Merchant, RefreshTokenFamily, UsedRefreshToken
from .passwords import password_hash, password_is_expired, password_verify, password_verify_dummy
from .selectors import PIN_PURPOSE, account_get, account_get_by_username, pin_aad
from .tokens import (
    FAMILY_CLAIM,
    PASSWORD_VERSION_CLAIM,
    AccountRefreshToken,
    ClientAccessToken,
    TokenPair,
    account_token_pair,
)

logger = logging.getLogger("onboarding.accounts")

CLIENT_SECRET_PURPOSE = "merchant-api-client-secret"  # noqa: S105 (a label)
USERNAME_CONSTRAINT = "accounts_account_username_ci_uniq"


def _client_secret_hash(secret: str) -> str:
    return peppered_hmac(secret.encode(), purpose=CLIENT_SECRET_PURPOSE).hex()


# --- API clients -------------------------------------------------------------------


@transaction.atomic
def api_client_create(*, name: str) -> tuple[ApiClient, str]:
    """Create a partner client; the secret (256 bits) is returned once and kept only as a hash."""
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, client_id=secrets.token_hex(16), secret_hash=_client_secret_hash(secret)
    )
    audit_record(action=AuditAction.MERCHANT_API_CLIENT_CREATED, target=client, data={"name": name})
    return client, secret


@transaction.atomic
def api_client_disable(*, client: ApiClient, actor: Actor = None) -> ApiClient:
    """Disable a client: its tokens stop working at once (checked on every request)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.is_enabled:
        client.is_enabled = False
        client.disabled_at = timezone.now()
        client.save(update_fields=["is_enabled", "disabled_at"])
        audit_record(
            action=AuditAction.MERCHANT_API_CLIENT_DISABLED, target=client, actor=audit_actor_for(actor)
        )
    return client


def api_client_token_issue(*, client_id: str, client_secret: str) -> str:
    """Exchange client credentials for a short-lived client token; 401 on any mismatch."""
    client = ApiClient.objects.filter(client_id=client_id).first()
    expected = client.secret_hash if client else _client_secret_hash(secrets.token_urlsafe(32))
    if not constant_time_equal(_client_secret_hash(client_secret), expected):
        raise Unauthenticated()
    if client is None or not client.is_enabled:
        raise Unauthenticated()
    return str(ClientAccessToken.for_client(client))


# --- accounts ----------------------------------------------------------------------


def _parent_merchant() -> Merchant:
    merchant, _ = Merchant.objects.get_or_create(name=app_settings.PARENT_MERCHANT_NAME)
    return merchant


def _username_taken(username: str) -> bool:
    return Account.objects.filter(username__iexact=username).exists()


def account_create(
    *,
    api_client: ApiClient | None,
    email: str,
    phone: str,
    first_name: str,
    middle_name: str,
    last_name: str,
    username: str,
    password: str,
    pin: str,
) -> Account:
    """Create a PENDING account under the parent merchant, in one transaction.

    bcrypt runs before the transaction opens, so no row lock waits on it.
    """
    if _username_taken(username):
        raise UsernameNotAvailable()
    hashed = password_hash(password)
    pin_blob = encrypt(pin.encode(), purpose=PIN_PURPOSE, aad=pin_aad(username))
    try:
        with transaction.atomic():
            account = Account(
                username=username,
                email=email,
                phone=phone,
                first_name=first_name,
                middle_name=middle_name,
                last_name=last_name,
                password_hash=hashed,
                password_changed_at=timezone.now(),
                pin_ciphertext=pin_blob,
                merchant=_parent_merchant(),
                api_client=api_client,
            )
            account.save()
            audit_record(
                action=AuditAction.MERCHANT_ACCOUNT_CREATED,
                target=account,
                actor=audit_actor_for(api_client),
                data={"username": username},
            )
    except IntegrityError as exc:
        # The unique index settles a race between two creates of one username.
        if USERNAME_CONSTRAINT in str(exc) or _username_taken(username):
            raise UsernameNotAvailable() from exc
        logger.warning("account save failed: %s", type(exc).__name__)
        raise AccountSaveFailed() from exc
    except DataError as exc:
        logger.warning("account save failed: %s", type(exc).__name__)
        raise AccountSaveFailed() from exc
    return account


def account_authenticate(*, username: str, password: str, client_address: str) -> Account:
    """Check credentials, failures counted per account and address (and per account with a
    higher ceiling); 401 / 429."""
    throttling.failures_check(None, username=username, address=client_address)
    account = account_get_by_username(username=username)
    if account is None:
        password_verify_dummy(password)
        ok = False
    else:
        ok = password_verify(password, account.password_hash)
    if not ok or account is None:
        if throttling.failures_record(None, username=username, address=client_address) and account:
            audit_record(
                action=AuditAction.MERCHANT_ACCOUNT_LOGIN_LOCKED,
                target=account,
                data={"ip_address": client_address},
            )
        raise Unauthenticated()
    return account


def account_token_obtain(*, username: str, password: str, client_address: str) -> TokenPair:
    account = account_authenticate(username=username, password=password, client_address=client_address)
    if password_is_expired(account.password_changed_at):
        raise PasswordExpired()
    return account_token_pair(account)


def account_token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token within its sign-in (family); each token rotates once.

    Presenting a refresh token that was already rotated is reuse: a stolen copy, or the
    legitimate one after the thief used it. Either way the whole family is revoked (every
    access and refresh token of that sign-in stops working) and the caller gets a 401, as the
    OAuth 2.0 Security BCP recommends. Tokens without a family (issued before families
    existed) are refused: sign in again.
    """
    try:
        token = AccountRefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt types the encoded token as Token
        account_id = int(token["sub"])
        version = int(token[PASSWORD_VERSION_CLAIM])
        family_id = uuid.UUID(str(token[FAMILY_CLAIM]))
        jti = str(token["jti"])
        expires_at = datetime.fromtimestamp(int(token["exp"]), tz=UTC)
    except (TokenError, KeyError, TypeError, ValueError) as exc:
        raise Unauthenticated() from exc
    account = account_get(account_id=account_id)
    if account is None or account.password_version != version:
        raise Unauthenticated()
    if password_is_expired(account.password_changed_at):
        raise PasswordExpired()
    pair = _refresh_rotate(account=account, family_id=family_id, jti=jti, expires_at=expires_at)
    if pair is None:
        raise Unauthenticated()
    return pair


@transaction.atomic
def _refresh_rotate(
    *, account: Account, family_id: uuid.UUID, jti: str, expires_at: datetime
) -> TokenPair | None:
    """The new pair; None (after revoking the family, committed) when the token was used before."""
    family = RefreshTokenFamily.objects.select_for_update().filter(pk=family_id, account=account).first()
    if family is None or family.revoked_at is not None:
        return None
    if UsedRefreshToken.objects.filter(jti=jti).exists():
        family.revoked_at = timezone.now()
        family.revoked_reason = "refresh token reused"
        family.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(
            action=AuditAction.MERCHANT_ACCOUNT_TOKENS_REVOKED,
            target=account,
            data={"family": str(family.pk), "reason": family.revoked_reason},
        )
        logger.warning("refresh token reuse: token family revoked")
        return None
    UsedRefreshToken.objects.create(jti=jti, family=family, expires_at=expires_at)
    family.expires_at = timezone.now() + AccountRefreshToken.lifetime
    family.save(update_fields=["expires_at"])
    return account_token_pair(account, family=family)


def account_password_change(
    *, username: str, current_password: str, new_password: str, client_address: str
) -> Account:
    """Set a new password (works when the old one expired); earlier tokens stop working."""
    account = account_authenticate(
        username=username, password=current_password, client_address=client_address
    )
    hashed = password_hash(new_password)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        account.password_hash = hashed
        account.password_changed_at = timezone.now()
        account.password_version += 1
        account.save(update_fields=["password_hash", "password_changed_at", "password_version", "updated_at"])
        audit_record(
            action=AuditAction.MERCHANT_ACCOUNT_PASSWORD_CHANGED,
            target=account,
            actor=audit_actor_for(account),
        )
    return account


# --- approval ----------------------------------------------------------------------


def _branch_name(account: Account) -> str:
    return f"{account.full_name} ({account.username})"[:255]


@transaction.atomic
def account_approve(
    *,
    account: Account,
    approved_by: AbstractBaseUser,
    branch_name: str | None = None,
) -> Branch:
    """Create the account's branch, assign it and mark it APPROVED; idempotent.

    The branch is named `branch_name` (onboarding passes the merchantName), else after the holder.
    """
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.status == Account.Status.APPROVED and locked.branch_id:
        return locked.branch  # type: ignore[return-value]
    if locked.status != Account.Status.PENDING:
        raise AccountNotPending("Only a pending account can be approved")
    branch = Branch.objects.create(
        merchant=locked.merchant, name=(branch_name or "").strip()[:255] or _branch_name(locked)
    )
    locked.branch = branch
    locked.status = Account.Status.APPROVED
    locked.decided_by = approved_by  # type: ignore[assignment]
    locked.decided_at = timezone.now()
    locked.save(update_fields=["branch", "status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action=AuditAction.MERCHANT_ACCOUNT_APPROVED,
        target=locked,
        actor=audit_actor_for(approved_by),
        data={"branch_id": branch.pk, "branch_name": branch.name},
    )
    return branch


@transaction.atomic
def account_decline(*, account: Account, declined_by: AbstractBaseUser, reason: str) -> Account:
    """Mark a pending account DECLINED with the reason the holder will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.status == Account.Status.DECLINED:
        return locked
    if locked.status != Account.Status.PENDING:
        raise AccountNotPending("Only a pending account can be declined")
    locked.status = Account.Status.DECLINED
    locked.declined_reason = reason
    locked.decided_by = declined_by  # type: ignore[assignment]
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "declined_reason", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action=AuditAction.MERCHANT_ACCOUNT_DECLINED,
        target=locked,
        actor=audit_actor_for(declined_by),
        data={"reason": reason},
    )
    return locked
