"""JWTs of the merchant API: client tokens and account access/refresh tokens (simplejwt).

Each kind has its own `token_type`, so simplejwt's verify_token_type() refuses a
client token where an account token is expected and the other way round. Signing key,
algorithm (HS256 only), `iss` and `aud` come from SIMPLE_JWT and are checked on decode.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import BlacklistMixin, Token

from .models import Account, ApiClient

CLIENT_CLAIM = "cid"
PASSWORD_VERSION_CLAIM = "pwv"  # noqa: S105


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


class AccountRefreshToken(BlacklistMixin["AccountRefreshToken"], Token):
    token_type = "merchant_account_refresh"  # noqa: S105
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME


def _account_claims(token: Token, account: Account) -> None:
    token["sub"] = str(account.pk)
    token["email"] = account.email
    token[PASSWORD_VERSION_CLAIM] = account.password_version


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str

    @property
    def expires_in(self) -> int:
        return int(AccountAccessToken.lifetime.total_seconds())


def account_token_pair(account: Account) -> TokenPair:
    refresh = AccountRefreshToken()
    _account_claims(refresh, account)
    refresh.outstand()  # recorded, so rotation can blacklist it
    access = AccountAccessToken()
    _account_claims(access, account)
    return TokenPair(access=str(access), refresh=str(refresh))
