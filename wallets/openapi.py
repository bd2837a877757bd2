"""OpenAPI shapes of the wallets API, in the customers envelope."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from customers.openapi import ErrorEnvelope, PaginationSerializer, envelope

from .serializers import WalletSerializer

WalletEnvelope = envelope("WalletEnvelope", WalletSerializer())


@extend_schema_serializer(many=False)
class WalletListEnvelope(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true")
    message = serializers.CharField()
    data = WalletSerializer(many=True)  # type: ignore[assignment]  # the body's "data" key, not Serializer.data
    pagination = PaginationSerializer()


WALLET_ERRORS = {
    409: OpenApiResponse(
        ErrorEnvelope,
        description="Recovery must be completed first (no PIN or no recovery), or idempotencyKey reused",
    ),
    423: OpenApiResponse(
        ErrorEnvelope,
        description="The customer's PIN is locked; `errors.lockedExpiryDate` says until when",
    ),
}
