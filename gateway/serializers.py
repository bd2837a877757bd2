"""Input shapes of the gateway's JSON endpoints (validation only; rules live in services)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import scheme


class _B64Field(serializers.CharField):
    def __init__(self, *, length: int, **kwargs):
        self.length = length
        super().__init__(max_length=4 * length, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return scheme.decode_field(value, field=self.field_name or "", length=self.length)
        except Exception as exc:
            raise serializers.ValidationError("must be base64url of the right length") from exc


class ProofSerializer(serializers.Serializer):
    authKey = _B64Field(length=scheme.AUTH_KEY_BYTES)


class BlindedSerializer(serializers.Serializer):
    # Checked (and, for an unlock, counted) by the service: not a group element is a counted 400.
    blindedElement = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class UnlockProofSerializer(ProofSerializer):
    """Scheme v2: the evaluation the proof follows; v1: a blinded element for the move to v2."""

    evaluationId = serializers.CharField(required=False, allow_blank=True)
    blindedElement = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class CopySerializer(ProofSerializer):
    wrappedShard = _B64Field(length=scheme.WRAPPED_SHARD_BYTES)


class QuestionsCopySerializer(CopySerializer):
    questionIds = serializers.ListField(child=serializers.CharField(max_length=64), max_length=10)


class EmailStartSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class CodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": _("The code is 6 digits.")})


class EmailConfirmSerializer(CodeSerializer):
    recoveryKey = _B64Field(length=scheme.RECOVERY_KEY_BYTES)
    wrappedShard = _B64Field(length=scheme.WRAPPED_SHARD_BYTES)
