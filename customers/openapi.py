"""OpenAPI shapes of the customers envelope (success and error bodies) for drf-spectacular."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers

from .serializers import ORDER_SCHEMA, ChallengeSerializer, CustomerSerializer

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "success": serializers.BooleanField(help_text="Always false"),
        "message": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Field name (dotted for nested fields, `body` for the whole body) to messages",
        ),
    },
)


def envelope(name: str, data: serializers.Field):
    fields: dict[str, serializers.Field] = {
        "success": serializers.BooleanField(help_text="Always true"),
        "message": serializers.CharField(),
        "data": data,
    }
    return inline_serializer(name=name, fields=fields)


CustomerEnvelope = envelope("CustomerEnvelope", CustomerSerializer())


class PaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1)
    limit = serializers.IntegerField(min_value=1, max_value=100)
    total = serializers.IntegerField(min_value=0)
    hasMore = serializers.BooleanField()  # noqa: N815


# Classes, not inline serializers: a `list` action's response would otherwise be wrapped
# in an array by drf-spectacular; many=False says the envelope itself is the body.
@extend_schema_serializer(many=False)
class CustomerListEnvelope(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true")
    message = serializers.CharField()
    data = CustomerSerializer(many=True)  # type: ignore[assignment]  # the body's "data" key, not Serializer.data
    pagination = PaginationSerializer()


ChallengeEnvelope = envelope("ChallengeEnvelope", ChallengeSerializer())


@extend_schema_serializer(many=False)
class ChallengeListEnvelope(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true")
    message = serializers.CharField()
    data = ChallengeSerializer(many=True)  # type: ignore[assignment]  # as above
    pagination = PaginationSerializer()


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
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        description="Page number, from 1",
        default=1,
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 100},
        description="Items per page, 1 to 100",
        default=10,
    ),
    OpenApiParameter(
        "order",
        {"type": "string", "pattern": ORDER_SCHEMA["pattern"]},
        description=ORDER_SCHEMA["description"],
        default="desc",
    ),
]
