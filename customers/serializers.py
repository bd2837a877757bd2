"""Input and output shapes of the customers API (camelCase on the wire, strict types)."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from core.locales import locale_resolve

from .links import challenge_gateway_url
from .lockout import lock_active
from .models import Challenge, Customer

# DRF's message for a blank string, given also where DRF would not check (see QuerySerializer).
BLANK_MESSAGE = "This field may not be blank."
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "format": "uuid",
        "pattern": UUID4_RE.pattern.replace("[0-9a-f]", "[0-9a-fA-F]").replace("[89ab]", "[89abAB]"),
        "description": "A UUID v4. The same key with the same request replays the first response; "
        "with a different request it is a 409.",
    }
)
class IdempotencyKeyField(serializers.Field):
    default_error_messages = {"invalid": "Must be a UUID v4 string."}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not UUID4_RE.match(data):
            self.fail("invalid")
        return uuid.UUID(data)

    def to_representation(self, value):
        return str(value)


class SharedFieldsMixin:
    """A serializer whose fields are built once per class, not per instance.

    DRF deep-copies every declared field for each serializer instance, which is most of the
    cost of validating a small body or a query string on every request. Flat input fields
    keep no per-request state (these serializers are never partial and their fields read no
    context), so one set of bound fields serves every instance, bound to no serializer. A
    class with a nested serializer among its fields keeps DRF's per-instance copy.
    """

    _class_fields: ClassVar[dict[type, BindingDict | None]] = {}

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        if cls not in SharedFieldsMixin._class_fields:
            fields = self._own_fields  # bound as DRF binds them: field_name, source, label
            flat = not any(
                isinstance(f, serializers.BaseSerializer)
                or isinstance(getattr(f, "child", None), serializers.BaseSerializer)
                for f in fields.values()
            )
            if flat:
                # Unbound: no request's serializer stays reachable from the shared fields.
                for field in fields.values():
                    field.parent = None  # type: ignore[assignment]
                fields.serializer = None  # type: ignore[assignment]
            SharedFieldsMixin._class_fields[cls] = fields if flat else None
        shared = SharedFieldsMixin._class_fields[cls]
        if shared is None:
            return self._own_fields
        return shared

    @functools.cached_property
    def _own_fields(self) -> BindingDict:
        """DRF's own `Serializer.fields` (a deep copy of the declared fields, bound to self)."""
        return serializers.Serializer.fields.func(self)  # type: ignore[attr-defined]


class IdempotentInputSerializer(SharedFieldsMixin, serializers.Serializer):
    """Unknown body fields are ignored, as DRF does; only the declared ones are read."""

    idempotencyKey = IdempotencyKeyField(required=False)


# Text columns cannot hold NUL (DRF refuses it), and a refId needs one non-space character
# (Python's whitespace, which is not JSON Schema's \s): the documented patterns say so, so
# a client validating against the schema is not surprised by a 400.
_SPACE = (
    "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
_NOT_NUL = "[^\\u0000]"
_VISIBLE = f"[^\\u0000{_SPACE}]"


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": f"^{_NOT_NUL}*{_VISIBLE}{_NOT_NUL}*$",
        "description": "Your own id for the customer, unique in your organization.",
    }
)
class RefIdField(StrictCharField):
    pass


@extend_schema_field({"type": "string", "maxLength": 255, "nullable": True, "pattern": f"^{_NOT_NUL}+$"})
class CustomerNameField(StrictCharField):
    pass


class CustomerCreateInputSerializer(IdempotentInputSerializer):
    refId = RefIdField(min_length=1, max_length=255, trim_whitespace=False)
    name = CustomerNameField(required=False, allow_blank=True, allow_null=True, max_length=255)

    def validate_refId(self, value: str) -> str:  # noqa: N802
        if not value.strip():
            raise serializers.ValidationError(BLANK_MESSAGE)
        return value


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "maxLength": 2048,
        "example": "https://app.example.com/return",
        "description": "Where the gateway sends the user back: https (http only for localhost in DEBUG), "
        "and its origin must be on the organization's allowlist.",
    }
)
class RedirectUrlField(StrictCharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 35,
        "nullable": True,
        "example": "fil",
        "description": "The language of the gateway pages and emails: `en` or `fil`. Tags of the same "
        "languages are mapped (`en-US`, `en_GB` -> `en`; `tl`, `fil-PH`, `tl-PH` -> `fil`); any other is a "
        "400. Omitted or null: the browser's Accept-Language, else English. The user may switch on the page.",
    }
)
class LocaleField(StrictCharField):
    default_error_messages = {
        "unsupported": "Unsupported locale: use en or fil (en-US, tl, fil-PH and similar tags are accepted)."
    }

    def to_internal_value(self, data):
        code = locale_resolve(super().to_internal_value(data))
        if code is None:
            self.fail("unsupported")
        return code


class ChallengeStartInputSerializer(IdempotentInputSerializer):
    """The fields every challenge-creating POST accepts besides its own."""

    locale = LocaleField(required=False, allow_null=True, max_length=35)


class ChallengeCreateInputSerializer(ChallengeStartInputSerializer):
    redirectUrl = RedirectUrlField(max_length=2048, trim_whitespace=False)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false; "true", 1 and the like are refused instead of read as booleans."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class InitializeInputSerializer(ChallengeCreateInputSerializer):
    resetPin = StrictBooleanField(
        required=False,
        default=False,
        help_text="For a customer who set a PIN but never finished recovery: choose a new PIN "
        "instead of entering the old one (it replaces the old PIN and its key shard). 409 once "
        "recovery exists (use reset-pin); ignored while the customer has no PIN.",
    )


class QuerySerializer(SharedFieldsMixin, serializers.Serializer):
    """Query parameters. One sent empty (`?order=`) is invalid, not absent: DRF would read an
    empty form value of an optional field as omitted and quietly use the default."""

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            blank: dict[str, list[str]] = {
                name: [BLANK_MESSAGE] for name in self.fields.keys() if name in data and data.get(name) == ""
            }
            if blank:
                raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


ORDER_SCHEMA = {
    "type": "string",
    "pattern": "^([aA][sS][cC]|[dD][eE][sS][cC])$",
    "default": "desc",
    "description": "By createdAt: `asc` or `desc`, in any case (`ASC`, `Desc`).",
}


@extend_schema_field(ORDER_SCHEMA)
class OrderField(serializers.ChoiceField):
    """`asc` or `desc` whatever the case (Circle's clients send `ASC`), read as lower case."""

    def __init__(self, **kwargs):
        super().__init__(choices=["asc", "desc"], **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.lower()
        return super().to_internal_value(data)


class ListQuerySerializer(QuerySerializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)
    order = OrderField(default="desc")


class ChallengeListQuerySerializer(ListQuerySerializer):
    status = serializers.ChoiceField(choices=Challenge.Status.values, required=False)


class LockDetailsSerializer(serializers.Serializer):
    """A secret's failure counter, as Circle shows it: the lock dates are null unless locked now."""

    failedAttempts = serializers.IntegerField(min_value=0)
    lockedDate = serializers.DateTimeField(allow_null=True)
    lockedExpiryDate = serializers.DateTimeField(allow_null=True)


def _lock_details(
    failed: int, locked_at: datetime | None, locked_until: datetime | None, now: datetime
) -> dict:
    locked = lock_active(locked_until, now=now) is not None
    return {
        "failedAttempts": failed,
        "lockedDate": _timestamp(locked_at) if locked else None,
        "lockedExpiryDate": _timestamp(locked_until) if locked else None,
    }


def customer_lock_details(customer: Customer) -> dict[str, dict]:
    """The customer's three counters, as Circle shows them (one `now` for all three)."""
    now = timezone.now()
    return {
        "pinDetails": _lock_details(
            customer.pin_failed_attempts, customer.pin_locked_at, customer.pin_locked_until, now
        ),
        "securityQuestionDetails": _lock_details(
            customer.questions_failed_attempts,
            customer.questions_locked_at,
            customer.questions_locked_until,
            now,
        ),
        "emailRecoveryDetails": _lock_details(
            customer.email_failed_attempts, customer.email_locked_at, customer.email_locked_until, now
        ),
    }


class CustomerSerializer(serializers.ModelSerializer):
    refId = serializers.CharField(source="ref_id")
    hasPin = serializers.BooleanField(source="has_pin")
    hasRecovery = serializers.BooleanField(source="has_recovery")
    pinStatus = serializers.ChoiceField(source="pin_status", choices=Customer.PinStatus.values)
    recoveryMethods = serializers.ListField(
        source="recovery_methods", child=serializers.ChoiceField(choices=Customer.RecoveryMethod.values)
    )
    pinDetails = serializers.SerializerMethodField()
    securityQuestionDetails = serializers.SerializerMethodField()
    emailRecoveryDetails = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Customer
        fields = [
            "id",
            "refId",
            "name",
            "hasPin",
            "hasRecovery",
            "pinStatus",
            "recoveryMethods",
            "pinDetails",
            "securityQuestionDetails",
            "emailRecoveryDetails",
            "createdAt",
            "updatedAt",
        ]
        read_only_fields = fields

    @extend_schema_field(LockDetailsSerializer)
    def get_pinDetails(self, obj: Customer) -> dict:  # noqa: N802
        return customer_lock_details(obj)["pinDetails"]

    @extend_schema_field(LockDetailsSerializer)
    def get_securityQuestionDetails(self, obj: Customer) -> dict:  # noqa: N802
        return customer_lock_details(obj)["securityQuestionDetails"]

    @extend_schema_field(LockDetailsSerializer)
    def get_emailRecoveryDetails(self, obj: Customer) -> dict:  # noqa: N802
        return customer_lock_details(obj)["emailRecoveryDetails"]


def _served_types() -> list[tuple[str, str]]:
    """The challenge types the API serves: those whose flow is built (gateway/flows.py)."""
    from gateway.flows import built_types

    return [(value, Challenge.Type(value).label) for value in built_types()]


class ChallengeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(help_text="The challenge's id (the same as `challengeId`).")
    challengeId = serializers.UUIDField(source="id")
    type = serializers.ChoiceField(choices=_served_types(), read_only=True)
    status = serializers.ChoiceField(source="effective_status", choices=Challenge.Status.values)
    redirectUrl = serializers.SerializerMethodField()
    returnUrl = serializers.CharField(source="return_url")
    expiresAt = serializers.DateTimeField(source="expires_at")
    createdAt = serializers.DateTimeField(source="created_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    result = serializers.JSONField(allow_null=True)
    locale = serializers.ChoiceField(choices=[code for code, _ in settings.LANGUAGES], allow_null=True)

    class Meta:
        model = Challenge
        fields = [
            "id",
            "challengeId",
            "type",
            "status",
            "redirectUrl",
            "returnUrl",
            "expiresAt",
            "createdAt",
            "completedAt",
            "result",
            "locale",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_redirectUrl(self, obj: Challenge) -> str:  # noqa: N802
        return challenge_gateway_url(challenge_id=obj.id)


def _timestamp(value) -> str | None:
    """DRF DateTimeField's rendering (ISO 8601, UTC written as Z), without a serializer."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def customer_data(customer: Customer) -> dict:
    """CustomerSerializer's output built directly: the API's hottest path, where building a
    ModelSerializer (a deepcopy of its fields per call) cost more than the query itself.
    The serializer stays the documented shape; a test keeps the two identical."""
    return {
        "id": str(customer.id),
        "refId": customer.ref_id,
        "name": customer.name,
        "hasPin": customer.has_pin,
        "hasRecovery": customer.has_recovery,
        "pinStatus": str(customer.pin_status),
        "recoveryMethods": [str(method) for method in customer.recovery_methods],
        **customer_lock_details(customer),
        "createdAt": _timestamp(customer.created_at),
        "updatedAt": _timestamp(customer.updated_at),
    }


def challenge_data(challenge: Challenge) -> dict:
    """ChallengeSerializer's output built directly (see customer_data)."""
    return {
        "id": str(challenge.id),
        "challengeId": str(challenge.id),
        "type": challenge.type,
        "status": str(challenge.effective_status),
        "redirectUrl": challenge_gateway_url(challenge_id=challenge.id),
        "returnUrl": challenge.return_url,
        "expiresAt": _timestamp(challenge.expires_at),
        "createdAt": _timestamp(challenge.created_at),
        "completedAt": _timestamp(challenge.completed_at),
        "result": challenge.result,
        "locale": challenge.locale,
    }
