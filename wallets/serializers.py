"""Input and output shapes of the wallets API (camelCase on the wire, strict types)."""

from __future__ import annotations

import re
import uuid

from drf_spectacular.utils import extend_schema_field
from eth_utils import to_checksum_address
from rest_framework import serializers

from customers.serializers import (
    ChallengeStartInputSerializer,
    ListQuerySerializer,
    RedirectUrlField,
    StrictCharField,
    _timestamp,
)

from .models import AccountType, Blockchain, Wallet

NAME_MAX = 255
REF_ID_MAX = 255
CUSTOMER_IDS_MAX = 100
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_NOT_NUL = "^[^\\u0000]*$"


@extend_schema_field({"type": "string", "maxLength": NAME_MAX, "pattern": _NOT_NUL})
class WalletNameField(StrictCharField):
    pass


@extend_schema_field({"type": "string", "maxLength": REF_ID_MAX, "pattern": _NOT_NUL})
class WalletRefIdField(StrictCharField):
    pass


class WalletMetadataSerializer(serializers.Serializer):
    name = WalletNameField(required=False, allow_blank=True, max_length=NAME_MAX, trim_whitespace=False)
    refId = WalletRefIdField(required=False, allow_blank=True, max_length=REF_ID_MAX, trim_whitespace=False)


class WalletCreateInputSerializer(ChallengeStartInputSerializer):
    blockchains = serializers.ListField(
        child=serializers.ChoiceField(choices=Blockchain.choices),
        min_length=1,
        max_length=len(Blockchain.values),
        help_text="Distinct chains; the EVM wallets of one call share one key, so one address.",
    )
    redirectUrl = RedirectUrlField(max_length=2048, trim_whitespace=False)
    accountType = serializers.ChoiceField(
        choices=AccountType.choices, required=False, default=AccountType.EOA
    )
    metadata = serializers.ListField(
        child=WalletMetadataSerializer(),
        required=False,
        max_length=len(Blockchain.values),
        help_text="Per wallet, in the order of `blockchains`: at most one entry per blockchain.",
    )

    def validate_blockchains(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each blockchain may appear only once.")
        return value

    def validate(self, attrs: dict) -> dict:
        metadata = attrs.get("metadata") or []
        if len(metadata) > len(attrs.get("blockchains", [])):
            raise serializers.ValidationError(
                {"metadata": ["Ensure this field has no more entries than blockchains."]}
            )
        return attrs


class WalletUpdateInputSerializer(serializers.Serializer):
    name = WalletNameField(required=False, allow_blank=True, max_length=NAME_MAX, trim_whitespace=False)
    refId = WalletRefIdField(required=False, allow_blank=True, max_length=REF_ID_MAX, trim_whitespace=False)


class CommaSeparatedUuids(serializers.Field):
    """customerIds as one comma-separated value or the parameter repeated, up to 100 ids."""

    default_error_messages = {
        "invalid": "Must be customer ids (UUIDs) separated by commas.",
        "too_many": f"At most {CUSTOMER_IDS_MAX} customer ids.",
    }

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return dictionary.getlist(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        values = data if isinstance(data, list) else [data]
        if not all(isinstance(value, str) for value in values):
            self.fail("invalid")
        parts = [part.strip() for value in values for part in value.split(",")]
        if not parts or not all(UUID_RE.match(part) for part in parts):
            self.fail("invalid")
        if len(parts) > CUSTOMER_IDS_MAX:
            self.fail("too_many")
        return sorted({uuid.UUID(part) for part in parts})


class AddressField(serializers.CharField):
    default_error_messages = {"address": "Must be a 0x-prefixed 20-byte hex address."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not ADDRESS_RE.match(value):
            self.fail("address")
        return to_checksum_address(value)


class WalletListQuerySerializer(ListQuerySerializer):
    customerIds = CommaSeparatedUuids(required=False)
    blockchain = serializers.ChoiceField(choices=Blockchain.choices, required=False)
    address = AddressField(required=False, max_length=42)
    refId = serializers.CharField(required=False, max_length=REF_ID_MAX, trim_whitespace=False)


class WalletSerializer(serializers.ModelSerializer):
    """The documented shape; wallet_data builds the same dict directly (see customer_data)."""

    customerId = serializers.UUIDField(source="customer_id")
    accountType = serializers.ChoiceField(source="account_type", choices=AccountType.values)
    state = serializers.ChoiceField(choices=Wallet.State.values)
    refId = serializers.CharField(source="ref_id")
    keyIndex = serializers.IntegerField(source="key_index", min_value=0)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Wallet
        fields = [
            "id",
            "customerId",
            "blockchain",
            "address",
            "accountType",
            "state",
            "name",
            "refId",
            "keyIndex",
            "exported",
            "createdAt",
            "updatedAt",
        ]
        read_only_fields = fields


def wallet_data(wallet: Wallet) -> dict:
    return {
        "id": str(wallet.id),
        "customerId": str(wallet.customer_id),
        "blockchain": wallet.blockchain,
        "address": wallet.address,
        "accountType": wallet.account_type,
        "state": wallet.state,
        "name": wallet.name,
        "refId": wallet.ref_id,
        "keyIndex": wallet.key_index,
        "exported": wallet.exported,
        "createdAt": _timestamp(wallet.created_at),
        "updatedAt": _timestamp(wallet.updated_at),
    }


class PublicKeySerializer(serializers.Serializer):
    customerId = serializers.UUIDField()
    publicKey = serializers.CharField(help_text="The joint key P = U + v·G, SEC1 compressed, 0x hex")
    curve = serializers.ChoiceField(choices=["secp256k1"])


class HexBytesField(serializers.Field):
    """Exactly `length` bytes as hex (an optional 0x prefix), for the gateway page's curve values."""

    default_error_messages = {"invalid": "Must be {length} bytes of hex."}

    def __init__(self, *, length: int, **kwargs):
        self.length = length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 2 * self.length + 2:
            self.fail("invalid", length=self.length)
        text = data[2:] if data[:2] in ("0x", "0X") else data
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            self.fail("invalid", length=self.length)
        if len(raw) != self.length or len(text) != 2 * self.length:
            self.fail("invalid", length=self.length)
        return raw


class WalletKeysStepSerializer(serializers.Serializer):
    """The first wallet's U and its proof; absent once the customer has a wallet key."""

    userPublicKey = HexBytesField(length=33, required=False)
    proof = HexBytesField(length=64, required=False)

    def validate(self, attrs: dict) -> dict:
        if ("userPublicKey" in attrs) != ("proof" in attrs):
            raise serializers.ValidationError("Send userPublicKey and proof together.")
        return attrs


class ConfirmationSerializer(serializers.Serializer):
    address = AddressField(max_length=42)
    signature = HexBytesField(length=65)


class WalletConfirmStepSerializer(serializers.Serializer):
    confirmations = serializers.ListField(child=ConfirmationSerializer(), min_length=1, max_length=4)


# Signing and key export (API inputs, then the gateway page's steps).

MEMO_MAX = 500
_MESSAGE_MAX_CHARS = 2 * 64 * 1024 + 2  # a 64 KiB message in hex; the service checks the bytes


class _SignInputSerializer(ChallengeStartInputSerializer):
    walletId = StrictCharField(max_length=64)
    memo = StrictCharField(required=False, allow_blank=True, max_length=MEMO_MAX, trim_whitespace=False)
    redirectUrl = RedirectUrlField(max_length=2048, trim_whitespace=False)


class SignMessageInputSerializer(_SignInputSerializer):
    message = StrictCharField(max_length=_MESSAGE_MAX_CHARS, trim_whitespace=False)
    encodedByHex = serializers.BooleanField(required=False, default=False)


class SignTypedDataInputSerializer(_SignInputSerializer):
    typedData = StrictCharField(
        max_length=64 * 1024, trim_whitespace=False, help_text="EIP-712 v4 typed data as a JSON string"
    )


@extend_schema_field({"type": "object", "additionalProperties": True})
class TransactionField(serializers.Field):
    """A transaction as a JSON object (or a string holding one)."""

    default_error_messages = {"invalid": "Must be a JSON object (or a string holding one)."}

    def to_internal_value(self, data):
        import json

        if isinstance(data, str) and len(data) <= 256 * 1024:
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data


class SignTransactionInputSerializer(_SignInputSerializer):
    transaction = TransactionField(
        required=False,
        help_text="EIP-1559 (maxFeePerGas…) or legacy (gasPrice); chainId = the wallet's chain",
    )
    rawTransaction = StrictCharField(
        required=False, max_length=2 * 130 * 1024, trim_whitespace=False, help_text="Unsigned, 0x hex"
    )

    def validate(self, attrs: dict) -> dict:
        if ("transaction" in attrs) == ("rawTransaction" in attrs):
            raise serializers.ValidationError(
                {"transaction": ["Give either transaction or rawTransaction (not both)."]}
            )
        return attrs


class ExportInputSerializer(ChallengeStartInputSerializer):
    redirectUrl = RedirectUrlField(max_length=2048, trim_whitespace=False)


class SignSubmitStepSerializer(serializers.Serializer):
    signature = HexBytesField(length=65)


class ExportKeysStepSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
