"""Thin DRF ViewSets of the merchant API (/v2/auth/token, /v2/account...)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from . import selectors, serializers, services
from .authentication import (
    AccountTokenAuthentication,
    ClientTokenAuthentication,
    IsAccountHolder,
    IsApiClient,
    request_account,
    request_api_client,
)
from .throttling import CREATE_ACCOUNT_RULE, RateLimitMixin, client_ip, token_endpoint_rule
from .tokens import ClientAccessToken


class AnyBodyJSONParser(JSONParser):
    """Every body is read as JSON (as Express's json parser does for the original service),
    so a body that is not JSON is a 400 in the documented shape, not a 415."""

    media_type = "*/*"


def _err(
    description: str,
    example: dict,
    serializer: Any = serializers.NestErrorSerializer,
) -> OpenApiResponse:
    return OpenApiResponse(
        serializer,
        description=description,
        examples=[OpenApiExample(description, value=example, response_only=True)],
    )


E401 = _err("Unauthorized", {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"})
E403_EXPIRED = _err(
    "Password expired", {"statusCode": 403, "message": "Password expired", "error": "Forbidden"}
)
E429 = _err(
    "Too Many Requests",
    {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"},
    serializers.NestThrottleErrorSerializer,
)
E500 = _err("Internal server error", {"statusCode": 500, "message": "Internal server error"})
E503 = _err(
    "Service Unavailable (database or rate-limit store down)",
    {
        "statusCode": 503,
        "message": "Service temporarily unavailable, please retry",
        "error": "Service Unavailable",
    },
)
E400_VALIDATION = _err(
    "Validation error (all failing rules)",
    {
        "statusCode": 400,
        "message": [
            "user.password must have at least 1 uppercase and lowercase "
            "character, a number, and special character"
        ],
        "error": "Bad Request",
    },
    serializers.NestErrorSerializer,  # a malformed JSON body's 400 has a string message
)
COMMON = {401: E401, 429: E429, 500: E500, 503: E503}
JSON = "application/json"


class MerchantViewSet(RateLimitMixin, viewsets.GenericViewSet):
    parser_classes = [AnyBodyJSONParser]
    # No OPTIONS self-description: DRF's would need a serializer_class (500 without one).
    metadata_class = None
    authentication_classes: list = []
    permission_classes: list = []
    metadata_class = None  # OPTIONS is a 405: DRF's metadata needs a serializer_class (was a 500)

    def body(self, serializer_class: type, request: Request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ClientTokenViewSet(MerchantViewSet):
    rate_limits = {"create": token_endpoint_rule("client")}

    @extend_schema(
        operation_id="auth_token_create",
        tags=["merchant accounts"],
        auth=[],
        summary="Exchange client credentials for a short-lived client access token",
        request={JSON: serializers.ClientTokenRequestSerializer},
        responses={200: serializers.ClientTokenSerializer, 400: E400_VALIDATION, **COMMON},
    )
    def create(self, request: Request) -> Response:
        data = self.body(serializers.ClientTokenRequestSerializer, request)
        token = services.api_client_token_issue(
            client_id=data["clientId"], client_secret=data["clientSecret"]
        )
        lifetime = int(ClientAccessToken.lifetime.total_seconds())
        return Response({"accessToken": token, "tokenType": "Bearer", "expiresIn": lifetime})


class AccountViewSet(MerchantViewSet):
    rate_limits = {"create": CREATE_ACCOUNT_RULE}

    def _action_for_request(self) -> str | None:
        request = getattr(self, "request", None)
        if request is None:
            return None
        return getattr(self, "action_map", {}).get(request.method.lower())

    def get_authenticators(self) -> list:
        # One path, two audiences: POST is a partner (client token), GET the account holder.
        if self._action_for_request() == "me":
            return [AccountTokenAuthentication()]
        return [ClientTokenAuthentication()]

    def get_permissions(self) -> list:
        return [IsAccountHolder()] if self.action == "me" else [IsApiClient()]

    @extend_schema(
        operation_id="account_create",
        tags=["merchant accounts"],
        summary="Create a merchant account (PENDING under the parent merchant)",
        description="Rate limited to 10 requests per 60 seconds per client; allowed responses "
        "carry X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.",
        request={JSON: serializers.CreateAccountSerializer},
        responses={
            200: serializers.AccountIdSerializer,
            400: OpenApiResponse(
                serializers.NestErrorSerializer,
                description="Validation error, username not available, or database error",
                examples=[
                    OpenApiExample(
                        "Validation",
                        response_only=True,
                        value={
                            "statusCode": 400,
                            "error": "Bad Request",
                            "message": [
                                "contact.email must be an email",
                                "contact.phone must be a valid phone number",
                            ],
                        },
                    ),
                    OpenApiExample(
                        "Username not available",
                        response_only=True,
                        value={
                            "statusCode": 400,
                            "message": "Username is not available",
                            "error": "Bad Request",
                        },
                    ),
                    OpenApiExample(
                        "Database error",
                        response_only=True,
                        value={
                            "statusCode": 400,
                            "message": "Failed to save the account to the database",
                            "error": "Bad Request",
                        },
                    ),
                ],
            ),
            **COMMON,
        },
    )
    def create(self, request: Request) -> Response:
        data = self.body(serializers.CreateAccountSerializer, request)
        account = services.account_create(api_client=request_api_client(request), **data)
        return Response({"id": account.pk})

    @extend_schema(
        operation_id="account_status",
        tags=["merchant accounts"],
        summary="The account holder's status, branch and decline reason",
        responses={200: serializers.AccountStatusSerializer, 401: E401, 500: E500, 503: E503},
    )
    def me(self, request: Request) -> Response:
        return Response(selectors.account_status(account=request_account(request)))


class AccountTokenViewSet(MerchantViewSet):
    rate_limits = {
        "obtain": token_endpoint_rule("login"),
        "refresh": token_endpoint_rule("refresh"),
        "password": token_endpoint_rule("password"),
    }

    @staticmethod
    def _pair(pair: Any) -> Response:
        return Response(
            {
                "accessToken": pair.access,
                "refreshToken": pair.refresh,
                "tokenType": "Bearer",
                "expiresIn": pair.expires_in,
            }
        )

    @extend_schema(
        operation_id="account_token_obtain",
        tags=["merchant accounts"],
        auth=[],
        summary="Account access and refresh tokens (sub = account id, email)",
        request={JSON: serializers.AccountTokenRequestSerializer},
        responses={
            200: serializers.AccountTokenSerializer,
            400: E400_VALIDATION,
            403: E403_EXPIRED,
            **COMMON,
        },
    )
    def obtain(self, request: Request) -> Response:
        data = self.body(serializers.AccountTokenRequestSerializer, request)
        return self._pair(
            services.account_token_obtain(
                username=data["username"], password=data["password"], client_address=client_ip(request)
            )
        )

    @extend_schema(
        operation_id="account_token_refresh",
        tags=["merchant accounts"],
        auth=[],
        summary="Rotate a refresh token (the old one is blacklisted)",
        request={JSON: serializers.RefreshRequestSerializer},
        responses={
            200: serializers.AccountTokenSerializer,
            400: E400_VALIDATION,
            403: E403_EXPIRED,
            **COMMON,
        },
    )
    def refresh(self, request: Request) -> Response:
        data = self.body(serializers.RefreshRequestSerializer, request)
        return self._pair(services.account_token_refresh(refresh=data["refreshToken"]))

    @extend_schema(
        operation_id="account_password_change",
        tags=["merchant accounts"],
        auth=[],
        summary="Change the account password (also when expired); earlier tokens stop working",
        request={JSON: serializers.PasswordChangeRequestSerializer},
        responses={200: serializers.MessageSerializer, 400: E400_VALIDATION, **COMMON},
    )
    def password(self, request: Request) -> Response:
        data = self.body(serializers.PasswordChangeRequestSerializer, request)
        services.account_password_change(
            username=data["username"],
            current_password=data["currentPassword"],
            new_password=data["newPassword"],
            client_address=client_ip(request),
        )
        return Response({"message": "Password changed"})
