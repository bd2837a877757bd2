"""OpenAPI shapes of the customers envelope (success and error bodies) for drf-spectacular."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from .serializers import ChallengeSerializer, CustomerSerializer

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "success": serializers.BooleanField(default=False),
        "message": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False,
            help_text="Field name (dotted for nested fields, `body` for the whole body) to messages",
        ),
    },
)

Pagination = inline_serializer(
    name="Pagination",
    fields={
        "page": serializers.IntegerField(min_value=1),
        "limit": serializers.IntegerField(min_value=1, max_value=100),
        "total": serializers.IntegerField(min_value=0),
        "hasMore": serializers.BooleanField(),
    },
)


def envelope(name: str, data: serializers.BaseSerializer, *, paginated: bool = False):  # noqa: ANN201
    fields = {
        "success": serializers.BooleanField(default=True),
        "message": serializers.CharField(),
        "data": data,
    }
    if paginated:
        fields["pagination"] = Pagination
    return inline_serializer(name=name, fields=fields)


CustomerEnvelope = envelope("CustomerEnvelope", CustomerSerializer())
CustomerListEnvelope = envelope("CustomerListEnvelope", CustomerSerializer(many=True), paginated=True)
ChallengeEnvelope = envelope("ChallengeEnvelope", ChallengeSerializer())
ChallengeListEnvelope = envelope("ChallengeListEnvelope", ChallengeSerializer(many=True), paginated=True)

ERROR_DESCRIPTIONS = {
    400: "Validation failed (body, query or redirectUrl); `errors` names the fields",
    401: "Missing, unknown or revoked API key",
    403: "A RESTRICTED key tried to write",
    404: "No such customer or challenge in this organization (ids that are not UUIDs too)",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict: duplicate refId, customer state, or idempotencyKey reused for another request",
    415: "Unsupported media type: send application/json",
    429: "Rate limit of the API key exceeded; see Retry-After",
    503: "Service temporarily unavailable; see Retry-After",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    base = (401, 405, 406, 429, 503)
    return {
        code: OpenApiResponse(ErrorEnvelope, description=ERROR_DESCRIPTIONS[code])
        for code in sorted(set(base + codes))
    }


PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1", default=1),
    OpenApiParameter("limit", int, description="Items per page, 1 to 100", default=10),
    OpenApiParameter("order", str, enum=["asc", "desc"], description="By createdAt", default="desc"),
]
