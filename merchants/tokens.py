"""JWTs of the merchant API: client tokens and account access/refresh tokens (simplejwt).

Each kind has its own `token_type`, so simplejwt's verify_token_type() refuses a
client token where an account token is expected and the other way round. Signing key,
algorithm (HS256 only), `iss` and `aud` come from SIMPLE_JWT and are checked on decode.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from .models import Account, ApiClient, RefreshTokenFamily

CLIENT_CLAIM = "cid"
PASSWORD_VERSION_CLAIM = "pwv"  # noqa: S105
FAMILY_CLAIM = "fam"  # the sign-in (RefreshTokenFamily) an account token belongs to


class ClientAccessToken(Token):
    token_type = "merchant_client"  # noqa: S105
    lifetime = api_settings.ACCESS_TOKEN_LIFETIME

    @classmethod
    def for_client(cls, client: ApiClient) -> ClientAccessToken:
        token = cls()
        token["sub"] = client.client_id
        token[CLIENT_CLAIM] = client.client_id
        return token


class AccountAccessToken(Token):
    token_type = "merchant_account_access"  # noqa: S105
    lifetime = api_settings.ACCESS_TOKEN_LIFETIME


class AccountRefreshToken(Token):
    token_type = "merchant_account_refresh"  # noqa: S105
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME


def _account_claims(token: Token, account: Account, family: RefreshTokenFamily) -> None:
    token["sub"] = str(account.pk)
    token["email"] = account.email
    token[PASSWORD_VERSION_CLAIM] = account.password_version
    token[FAMILY_CLAIM] = str(family.pk)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str

    @property
    def expires_in(self) -> int:
        return int(AccountAccessToken.lifetime.total_seconds())


def account_token_pair(account: Account, family: RefreshTokenFamily | None = None) -> TokenPair:
    """An access and a refresh token of `family` (a new sign-in when None). Nothing of the
    tokens is stored: rotation records the refresh token's id once it is used."""
    if family is None:
        family = RefreshTokenFamily.objects.create(
            account=account, expires_at=timezone.now() + AccountRefreshToken.lifetime
        )
    refresh = AccountRefreshToken()
    _account_claims(refresh, account, family)
    access = AccountAccessToken()
    _account_claims(access, account, family)
    return TokenPair(access=str(access), refresh=str(refresh))
