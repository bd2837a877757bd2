"""Request and response serializers of the merchant API.

The declared fields document the bodies in OpenAPI; validation itself runs through
merchants.validators, which reports every failing rule at once, NestJS-style.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from core.crypto import constant_time_equal

from . import validators


class NestValidationSerializer(serializers.Serializer):
    """A serializer whose errors are a flat list of class-validator-style messages."""

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        raise NotImplementedError

    def run_validation(self, data: Any = empty) -> dict:
        clean, messages = self.validate_payload(None if data is empty else data)
        if messages:
            raise serializers.ValidationError(messages)
        return clean

    @property
    def errors(self) -> Any:  # a list, not DRF's field dict
        return self._errors  # type: ignore[attr-defined]  # set by is_valid(); the stubs omit it


# --- requests ----------------------------------------------------------------------


class ContactSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=validators.EMAIL_MAX)
    phone = serializers.CharField(
        max_length=32,
        help_text="Philippine mobile number in any common form, e.g. +639171234567, "
        "09171234567, 9171234567, 0917-123-4567; stored as E.164.",
    )


class UserSerializer(serializers.Serializer):
    firstName = serializers.CharField(
        max_length=validators.NAME_MAX, help_text="Unicode letters, spaces, hyphens and apostrophes"
    )
    middleName = serializers.CharField(max_length=validators.NAME_MAX, required=False)
    lastName = serializers.CharField(max_length=validators.NAME_MAX)
    username = serializers.RegexField(
        r"^[A-Za-z0-9._-]+$", max_length=validators.USERNAME_MAX, help_text="Unique regardless of case."
    )
    password = serializers.CharField(
        min_length=validators.PASSWORD_MIN,
        max_length=validators.PASSWORD_MAX,
        write_only=True,
        help_text=f"At least one uppercase, lowercase, digit and one of {validators.PASSWORD_SPECIALS}",
    )
    pin = serializers.RegexField(r"^[0-9]{4,6}$", write_only=True, help_text="4 to 6 digits, as a string")


class CreateAccountSerializer(NestValidationSerializer):
    contact = ContactSerializer()
    user = UserSerializer()

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        return validators.validate_create_account(data)


class ClientTokenRequestSerializer(NestValidationSerializer):
    clientId = serializers.CharField()
    clientSecret = serializers.CharField(write_only=True)

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        return validators.validate_fields(data, {"clientId": "string", "clientSecret": "string"})


class AccountTokenRequestSerializer(NestValidationSerializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True)

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        return validators.validate_fields(data, {"username": "string", "password": "string"})


class RefreshRequestSerializer(NestValidationSerializer):
    refreshToken = serializers.CharField(write_only=True)

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        return validators.validate_fields(data, {"refreshToken": "string"})


class PasswordChangeRequestSerializer(NestValidationSerializer):
    username = serializers.CharField()
    currentPassword = serializers.CharField(write_only=True)
    newPassword = serializers.CharField(
        min_length=validators.PASSWORD_MIN,
        max_length=validators.PASSWORD_MAX,
        write_only=True,
        help_text="Same rules as at account creation; must differ from currentPassword.",
    )

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        clean, messages = validators.validate_fields(
            data, {"username": "string", "currentPassword": "string", "newPassword": "password"}
        )
        current, new = clean.get("currentPassword"), clean.get("newPassword")
        if current and new and constant_time_equal(current, new):
            messages.append("newPassword must be different from currentPassword")
        return clean, messages


# --- responses ---------------------------------------------------------------------


class AccountIdSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The new account's id")


class ClientTokenSerializer(serializers.Serializer):
    accessToken = serializers.CharField()
    tokenType = serializers.CharField(default="Bearer")
    expiresIn = serializers.IntegerField(help_text="seconds")


class AccountTokenSerializer(serializers.Serializer):
    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()
    tokenType = serializers.CharField(default="Bearer")
    expiresIn = serializers.IntegerField(help_text="access token lifetime, seconds")


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class BranchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AccountStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["PENDING", "APPROVED", "DECLINED"])
    branch = BranchSerializer(allow_null=True)
    declinedReason = serializers.CharField(allow_null=True)


class NestErrorSerializer(serializers.Serializer):
    """NestJS error body; `message` is a string, or a list of strings for validation errors."""

    statusCode = serializers.IntegerField()
    message = serializers.JSONField(help_text="string, or list of strings (validation)")
    error = serializers.CharField(required=False)


class NestValidationErrorSerializer(serializers.Serializer):
    statusCode = serializers.IntegerField(default=400)
    message = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(default="Bad Request")


class NestThrottleErrorSerializer(serializers.Serializer):
    statusCode = serializers.IntegerField(default=429)
    message = serializers.CharField(default="ThrottlerException: Too Many Requests")
