"""OpenAPI shapes of the webhooks API's envelopes for drf-spectacular."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from customers.openapi import PaginationSerializer, envelope

from .serializers import DeliverySerializer, EndpointSerializer, EndpointWithSecretSerializer

EndpointEnvelope = envelope("WebhookEndpointEnvelope", EndpointSerializer())
EndpointWithSecretEnvelope = envelope("WebhookEndpointWithSecretEnvelope", EndpointWithSecretSerializer())
DeliveryEnvelope = envelope("WebhookDeliveryEnvelope", DeliverySerializer())
EventEnvelope = envelope(
    "WebhookTestEventEnvelope",
    serializers.DictField(help_text="{eventId, event}: the webhook.test event queued for this endpoint"),
)
DeletedEnvelope = envelope("WebhookDeletedEnvelope", serializers.JSONField(allow_null=True))


@extend_schema_serializer(many=False)
class EndpointListEnvelope(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true")
    message = serializers.CharField()
    data = EndpointSerializer(many=True)  # type: ignore[assignment]  # the body's "data" key, not Serializer.data
    pagination = PaginationSerializer()


@extend_schema_serializer(many=False)
class DeliveryListEnvelope(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true")
    message = serializers.CharField()
    data = DeliverySerializer(many=True)  # type: ignore[assignment]  # as above
    pagination = PaginationSerializer()
