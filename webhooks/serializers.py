"""Input and output shapes of the webhooks API (camelCase on the wire, strict types)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.serializers import IdempotentInputSerializer, ListQuerySerializer, StrictCharField

from .events import SUBSCRIBABLE_EVENTS, WebhookEvent
from .models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH, Attempt, Delivery, Endpoint


class StrictBooleanField(serializers.BooleanField):
    """true or false only: DRF would also take "yes", 1 or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "maxLength": URL_MAX_LENGTH,
        "example": "https://hooks.example.com/onboarding",
        "description": "https; must not resolve to a private, loopback, link-local or multicast address.",
    }
)
class WebhookUrlField(StrictCharField):
    pass


# Event names are checked by the service (400 naming the unknown one); the schema lists them.
@extend_schema_field({"type": "string", "enum": SUBSCRIBABLE_EVENTS})
class EventNameField(StrictCharField):
    pass


class EndpointInputSerializer(IdempotentInputSerializer):
    url = WebhookUrlField(max_length=URL_MAX_LENGTH, trim_whitespace=False)
    events = serializers.ListField(
        child=EventNameField(max_length=64),
        required=False,
        max_length=len(SUBSCRIBABLE_EVENTS),
        help_text="Event names to receive; empty or absent: every event",
    )
    description = StrictCharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    enabled = StrictBooleanField(required=False)


class EndpointUpdateInputSerializer(EndpointInputSerializer):
    url = WebhookUrlField(max_length=URL_MAX_LENGTH, trim_whitespace=False, required=False)


class DeliveryListQuerySerializer(ListQuerySerializer):
    status = serializers.ChoiceField(choices=Delivery.Status.values, required=False)
    event = serializers.ChoiceField(choices=WebhookEvent.values, required=False)


def _timestamp(value) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EndpointSerializer(serializers.Serializer):
    """The documented shape of an endpoint (endpoint_data builds it)."""

    id = serializers.UUIDField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS))
    enabled = serializers.BooleanField()
    disabledReason = serializers.CharField(allow_blank=True)
    previousSecretExpiresAt = serializers.DateTimeField(
        allow_null=True, help_text="During a rotation, until when the previous secret still signs"
    )
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret: shown only here, once")


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    startedAt = serializers.DateTimeField()
    succeeded = serializers.BooleanField()
    statusCode = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True, help_text="Network error, timeout or refusal")
    latencyMs = serializers.IntegerField()
    responseExcerpt = serializers.CharField(allow_blank=True, help_text="The first 1 KB of the answer")


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    endpointId = serializers.UUIDField()
    eventId = serializers.UUIDField()
    event = serializers.ChoiceField(choices=WebhookEvent.values)
    status = serializers.ChoiceField(choices=Delivery.Status.values)
    attemptCount = serializers.IntegerField()
    nextAttemptAt = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField(allow_null=True)
    attempts = AttemptSerializer(many=True)


def endpoint_data(endpoint: Endpoint, *, secret: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason,
        "previousSecretExpiresAt": _timestamp(endpoint.previous_secret_expires_at),
        "createdAt": _timestamp(endpoint.created_at),
        "updatedAt": _timestamp(endpoint.updated_at),
    }
    if secret is not None:
        data["secret"] = secret
    return data


def attempt_data(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "startedAt": _timestamp(attempt.started_at),
        "succeeded": attempt.succeeded,
        "statusCode": attempt.status_code,
        "error": attempt.error,
        "latencyMs": attempt.latency_ms,
        "responseExcerpt": attempt.response_excerpt,
    }


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "endpointId": str(delivery.endpoint_id),
        "eventId": str(delivery.event_id),
        "event": delivery.event.name,
        "status": delivery.status,
        "attemptCount": delivery.attempt_count,
        "nextAttemptAt": _timestamp(delivery.next_attempt_at),
        "createdAt": _timestamp(delivery.created_at),
        "completedAt": _timestamp(delivery.completed_at),
        "attempts": [attempt_data(a) for a in delivery.attempts.all()],
    }
