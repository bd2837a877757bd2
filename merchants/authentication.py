"""Bearer-JWT authentication of the merchant API: partner client tokens and account tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework_simplejwt.exceptions import TokenError

from . import selectors
from .models import Account, ApiClient
from .tokens import CLIENT_CLAIM, FAMILY_CLAIM, PASSWORD_VERSION_CLAIM, AccountAccessToken, ClientAccessToken


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class _BearerAuthentication(BaseAuthentication):
    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="merchant-api"'


class ClientTokenAuthentication(_BearerAuthentication):
    """A partner's client token; the client must still exist and be enabled."""

    def authenticate(self, request: Any) -> tuple[ApiClient, ClientAccessToken] | None:
        raw = bearer_token(request)
        if raw is None:
            return None
        try:
            token = ClientAccessToken(raw)  # type: ignore[arg-type]  # simplejwt types the encoded token as Token
            client_id = token[CLIENT_CLAIM]
        except (TokenError, KeyError) as exc:
            raise exceptions.AuthenticationFailed() from exc
        client = selectors.api_client_get_enabled(client_id=str(client_id))
        if client is None:
            raise exceptions.AuthenticationFailed()
        return client, token


class AccountTokenAuthentication(_BearerAuthentication):
    """An account access token issued since the account's last password change."""

    def authenticate(self, request: Any) -> tuple[Account, AccountAccessToken] | None:
        raw = bearer_token(request)
        if raw is None:
            return None
        try:
            token = AccountAccessToken(raw)  # type: ignore[arg-type]  # as above
            account_id = int(token["sub"])
            version = int(token[PASSWORD_VERSION_CLAIM])
            family = uuid.UUID(str(token[FAMILY_CLAIM]))
        except (TokenError, KeyError, TypeError, ValueError) as exc:
            raise exceptions.AuthenticationFailed() from exc
        account = selectors.account_get_for_token(account_id=account_id, family_id=family)
        # token_family_revoked: annotated by the selector for this token's sign-in.
        revoked = getattr(account, "token_family_revoked", True)
        if account is None or account.password_version != version or revoked:
            raise exceptions.AuthenticationFailed()
        return account, token


def request_api_client(request: Any) -> ApiClient:
    """The partner client ClientTokenAuthentication put on request.user (IsApiClient views)."""
    client = request.user
    if not isinstance(client, ApiClient):
        raise exceptions.NotAuthenticated()
    return client


def request_account(request: Any) -> Account:
    """The account AccountTokenAuthentication put on request.user (IsAccountHolder views)."""
    account = request.user
    if not isinstance(account, Account):
        raise exceptions.NotAuthenticated()
    return account


class IsApiClient(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, ApiClient)


class IsAccountHolder(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.user, Account)


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.authentication.ClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Client access token from POST /v2/auth/token.",
        }


class AccountTokenScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.authentication.AccountTokenAuthentication"
    name = "accountToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Account access token from POST /v2/account/token.",
        }
