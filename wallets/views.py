"""The wallets API: wallet/create and public-key under a customer, and /v2/wallets (thin ViewSets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from customers.authentication import request_config_epoch
from customers.models import Challenge
from customers.openapi import PAGE_PARAMETERS, ChallengeEnvelope, envelope, errors
from customers.serializers import challenge_data
from customers.views import ID_PARAMETER, CustomerViewSet, _ok, _paginated

from . import selectors, services, signing_services
from .models import Blockchain, SignRequest
from .openapi import WALLET_ERRORS, WalletEnvelope, WalletListEnvelope
from .serializers import (
    ExportInputSerializer,
    PublicKeySerializer,
    SignMessageInputSerializer,
    SignTransactionInputSerializer,
    SignTypedDataInputSerializer,
    WalletCreateInputSerializer,
    WalletListQuerySerializer,
    WalletUpdateInputSerializer,
    wallet_data,
)

WALLET_ID_PARAMETER = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Wallet id (UUID)")
_UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
CUSTOMER_IDS_PATTERN = f"^ *{_UUID} *(, *{_UUID} *){{0,99}}$"
PublicKeyEnvelope = envelope("PublicKeyEnvelope", PublicKeySerializer())


class CustomerWalletViewSet(CustomerViewSet):
    """/v2/customers/{id}/wallet/create and /v2/customers/{id}/public-key (same auth as customers)."""

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_wallet_create",
        summary="Start a CREATE_WALLET challenge (needs PIN and recovery)",
        parameters=[ID_PARAMETER],
        request=WalletCreateInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **WALLET_ERRORS},
    )
    def wallet_create(self, request: Request, pk: str) -> Response:
        return self._challenge_start(
            request,
            pk,
            WalletCreateInputSerializer,
            "Wallet creation challenge created",
            lambda data, redirect_url, epoch: services.wallet_challenge_create(
                organization=self.organization,
                customer_id=pk,
                blockchains=data["blockchains"],
                redirect_url=redirect_url,
                account_type=data["accountType"],
                metadata=[dict(item) for item in data.get("metadata") or []],
                actor=self.actor,
                locale=data.get("locale"),
                config_epoch=epoch,
            ),
        )

    def _challenge_start(
        self,
        request: Request,
        pk: str,
        serializer_class: type[serializers.Serializer],
        message: str,
        create: Callable[[Any, str, str | None], Challenge],  # (validated_data, redirect_url, epoch)
    ) -> Response:
        """Validate, 404 before 400, check the redirect, then `create(data, redirect_url, epoch)`
        once per idempotency key: the shape every challenge-creating operation here shares.
        `epoch`: the request's organization config epoch (the allowlist and the webhook
        subscriptions from this worker's cache while it holds)."""
        form = serializer_class(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        epoch = request_config_epoch(request)
        redirect_url = self._redirect_url_checked(pk, data["redirectUrl"], epoch)

        def handler() -> tuple[int, dict[str, Any]]:
            challenge = create(data, redirect_url, epoch)
            return http.HTTP_201_CREATED, _ok(message, challenge_data(challenge))

        return self._idempotent(request, data.get("idempotencyKey"), handler)

    def _sign_create(self, request: Request, pk: str, serializer_class, kind: str, fields) -> Response:
        return self._challenge_start(
            request,
            pk,
            serializer_class,
            "Signing challenge created",
            lambda data, redirect_url, epoch: signing_services.sign_challenge_create(
                organization=self.organization,
                customer_id=pk,
                wallet_id=data["walletId"],
                kind=kind,
                redirect_url=redirect_url,
                memo=data.get("memo") or "",
                actor=self.actor,
                locale=data.get("locale"),
                config_epoch=epoch,
                **{arg: data.get(name) for name, arg in fields.items() if name in data},
            ),
        )

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_sign_message",
        summary="Start a SIGN_MESSAGE challenge (EIP-191 personal message)",
        parameters=[ID_PARAMETER],
        request=SignMessageInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **WALLET_ERRORS},
    )
    def sign_message(self, request: Request, pk: str) -> Response:
        fields = {"message": "message", "encodedByHex": "encoded_by_hex"}
        return self._sign_create(request, pk, SignMessageInputSerializer, SignRequest.Kind.MESSAGE, fields)

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_sign_typed_data",
        summary="Start a SIGN_TYPED_DATA challenge (EIP-712 v4)",
        parameters=[ID_PARAMETER],
        request=SignTypedDataInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **WALLET_ERRORS},
    )
    def sign_typed_data(self, request: Request, pk: str) -> Response:
        fields = {"typedData": "typed_data"}
        return self._sign_create(
            request, pk, SignTypedDataInputSerializer, SignRequest.Kind.TYPED_DATA, fields
        )

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_sign_transaction",
        summary="Start a SIGN_TRANSACTION challenge (EIP-1559 or legacy; chainId = the wallet's chain)",
        parameters=[ID_PARAMETER],
        request=SignTransactionInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **WALLET_ERRORS},
    )
    def sign_transaction(self, request: Request, pk: str) -> Response:
        fields = {"transaction": "transaction_", "rawTransaction": "raw_transaction"}
        return self._sign_create(
            request, pk, SignTransactionInputSerializer, SignRequest.Kind.TRANSACTION, fields
        )

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_export_private_keys",
        summary="Start an EXPORT_PRIVATE_KEYS challenge (keys shown on the page only)",
        parameters=[ID_PARAMETER],
        request=ExportInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **WALLET_ERRORS},
    )
    def export_private_keys(self, request: Request, pk: str) -> Response:
        return self._challenge_start(
            request,
            pk,
            ExportInputSerializer,
            "Key export challenge created",
            lambda data, redirect_url, epoch: signing_services.export_challenge_create(
                organization=self.organization,
                customer_id=pk,
                redirect_url=redirect_url,
                actor=self.actor,
                locale=data.get("locale"),
                config_epoch=epoch,
            ),
        )

    @extend_schema(
        tags=["wallets"],
        operation_id="customers_public_key",
        summary="Get the customer's joint public key",
        parameters=[ID_PARAMETER],
        responses={200: PublicKeyEnvelope, **errors(404, 409)},
    )
    def public_key(self, request: Request, pk: str) -> Response:
        customer, public_key = selectors.customer_public_key_get(
            organization=self.organization, customer_id=pk
        )
        data = {"customerId": str(customer.id), "publicKey": "0x" + public_key.hex(), "curve": "secp256k1"}
        return Response(_ok("Public key retrieved", data))


class WalletViewSet(CustomerViewSet):
    """/v2/wallets: list with filters, get one, rename or re-tag one."""

    @extend_schema(
        tags=["wallets"],
        operation_id="wallets_list",
        summary="List wallets",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "customerIds",
                {"type": "string", "pattern": CUSTOMER_IDS_PATTERN},
                description="Customer ids (UUIDs), comma-separated (or the parameter repeated); at most 100",
            ),
            OpenApiParameter("blockchain", str, enum=Blockchain.values),
            OpenApiParameter(
                "address",
                {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                description="Wallet address in any letter case",
            ),
            OpenApiParameter(
                "refId",
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\u0000]+$"},
                description="Exact refId",
            ),
        ],
        responses={200: WalletListEnvelope, **errors(400)},
    )
    def list(self, request: Request) -> Response:
        query = WalletListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page = selectors.wallet_list(
            organization=self.organization,
            customer_ids=data.get("customerIds"),
            blockchain=data.get("blockchain"),
            address=data.get("address"),
            ref_id=data.get("refId"),
            page=data["page"],
            limit=data["limit"],
            order=data["order"],
        )
        return Response(_paginated("Wallets retrieved", page, [wallet_data(w) for w in page.items]))

    @extend_schema(
        tags=["wallets"],
        operation_id="wallets_retrieve",
        summary="Get a wallet",
        parameters=[WALLET_ID_PARAMETER],
        responses={200: WalletEnvelope, **errors(404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        wallet = selectors.wallet_get(organization=self.organization, wallet_id=pk)
        return Response(_ok("Wallet retrieved", wallet_data(wallet)))

    @extend_schema(
        tags=["wallets"],
        operation_id="wallets_update",
        summary="Update a wallet's name or refId",
        parameters=[WALLET_ID_PARAMETER],
        request=WalletUpdateInputSerializer,
        responses={200: WalletEnvelope, **errors(400, 403, 404, 415)},
    )
    def update(self, request: Request, pk: str) -> Response:
        form = WalletUpdateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        wallet = selectors.wallet_get(organization=self.organization, wallet_id=pk)
        wallet = services.wallet_update(wallet=wallet, changes=dict(form.validated_data), actor=self.actor)
        return Response(_ok("Wallet updated", wallet_data(wallet)))
