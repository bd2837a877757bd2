"""Request and response serializers of /v2/onboard: they document the bodies in OpenAPI;
validation runs through onboarding.rules (all failures at once, NestJS-style)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rest_framework import serializers

from merchants.serializers import NestValidationSerializer

from . import rules
from .documents import DOCUMENT_FIELDS
from .models import OnboardingApplication

# Ages and "not in the future" are judged by the calendar in the Philippines.
PH_TIME = ZoneInfo("Asia/Manila")


STATUSES = OnboardingApplication.Status.choices


def ph_today() -> datetime.date:
    return datetime.datetime.now(PH_TIME).date()


class AddressSerializer(serializers.Serializer):
    line1 = serializers.CharField(max_length=255)
    buildingNameAndNumber = serializers.CharField(max_length=255, required=False)
    barangay = serializers.CharField(max_length=100)
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=100, help_text="province or region")
    postalCode = serializers.RegexField(r"^\d{4}$", help_text="4 digits")
    contactNumber = serializers.CharField(help_text="Philippine mobile number; stored as E.164")


class AddressesSerializer(serializers.Serializer):
    office = AddressSerializer()
    registered = AddressSerializer(required=False, help_text="required unless businessType is STARTER")


class PersonSerializer(serializers.Serializer):
    firstName = serializers.CharField(max_length=100)
    middleName = serializers.CharField(max_length=100, required=False)
    lastName = serializers.CharField(max_length=100)
    emailAddress = serializers.EmailField()
    contactNumber = serializers.CharField(help_text="Philippine mobile number; stored as E.164")
    dateOfBirth = serializers.DateField(help_text="YYYY-MM-DD; an adult (18 or older)")
    position = serializers.CharField(max_length=100)
    tin = serializers.RegexField(
        rules.TIN_RE.pattern, help_text="9 or 12 digits, dashes optional: 123-456-789 or 123-456-789-000"
    )
    sss = serializers.RegexField(
        rules.SSS_RE.pattern, required=False, help_text="10 digits, dashes optional: 12-3456789-0"
    )
    mothersMaidenName = serializers.CharField(max_length=100)
    gender = serializers.ChoiceField(choices=rules.GENDERS)


class RepresentativesSerializer(serializers.Serializer):
    authorized = PersonSerializer()
    escalation = PersonSerializer()


class BankSerializer(serializers.Serializer):
    accountDepositType = serializers.CharField(max_length=50, help_text="e.g. SAVINGS, CURRENT")
    currency = serializers.ChoiceField(choices=rules.CURRENCIES)
    accountType = serializers.CharField(max_length=50, help_text="e.g. PERSONAL, BUSINESS")
    bankName = serializers.CharField(max_length=100)
    accountName = serializers.CharField(max_length=255)
    accountNumber = serializers.RegexField(r"^\d{6,20}$", help_text="6 to 20 digits")
    preferredSettlementRail = serializers.ChoiceField(choices=rules.SETTLEMENT_RAILS)
    bankCode = serializers.CharField(max_length=20, required=False)


class ApplicationSerializer(NestValidationSerializer):
    merchantName = serializers.CharField(max_length=255, help_text="also the name of the branch on approval")
    legalName = serializers.CharField(
        max_length=255, required=False, help_text="required unless businessType is STARTER"
    )
    businessHandle = serializers.CharField(max_length=100)
    businessType = serializers.ChoiceField(choices=rules.BUSINESS_TYPES)
    modeOfPayments = serializers.ListField(
        child=serializers.ChoiceField(choices=rules.MODES_OF_PAYMENT), min_length=1
    )
    currency = serializers.ChoiceField(choices=rules.CURRENCIES)
    tin = serializers.RegexField(rules.TIN_RE.pattern, help_text="the business TIN, 9 or 12 digits")
    industry = serializers.CharField(max_length=100)
    serviceDescription = serializers.CharField(max_length=1000)
    isBrickAndMortarStore = serializers.BooleanField(help_text="true: storePhoto becomes a required document")
    address = AddressesSerializer()
    representatives = RepresentativesSerializer()
    incorporators = PersonSerializer(
        many=True,
        required=False,
        help_text=(
            "STARTER: none; SOLE_PROPRIETOR: exactly 1; PARTNERSHIP: exactly 2; CORPORATION: 3 or more"
        ),
    )
    banks = BankSerializer(many=True, min_length=1)  # type: ignore[call-arg]  # ListSerializer takes it; the stubs do not know

    def validate_payload(self, data: Any) -> tuple[dict, list[str]]:
        return rules.validate_application(data, today=ph_today())


FilesRequestSerializer = type(
    "OnboardingFilesRequestSerializer",
    (serializers.Serializer,),
    {
        name: serializers.FileField(required=False, help_text="PDF, JPEG or PNG, at most 10 MB")
        for name in DOCUMENT_FIELDS
    },
)


class CreatedSerializer(serializers.Serializer):
    referenceNumber = serializers.UUIDField(help_text="UUID v4; the {refNo} of the other endpoints")
    status = serializers.ChoiceField(choices=STATUSES, help_text="NEW on submission")
    dateCreated = serializers.DateTimeField()


class StatusSerializer(serializers.Serializer):
    onboardingStatus = serializers.ChoiceField(choices=STATUSES)
    onboardingReferenceNumber = serializers.UUIDField()
    merchantName = serializers.CharField()
    dateCreated = serializers.DateTimeField()
    dateUpdated = serializers.DateTimeField()
    declinedReason = serializers.CharField(allow_null=True)
    missingDocuments = serializers.ListField(child=serializers.ChoiceField(choices=DOCUMENT_FIELDS))


class FileSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(help_text="the uploaded file's name, sanitized (metadata only)")
    fileType = serializers.ChoiceField(choices=DOCUMENT_FIELDS, help_text="the form field")
    contentType = serializers.ChoiceField(choices=["application/pdf", "image/jpeg", "image/png"])
    size = serializers.IntegerField()


class FilesSerializer(serializers.Serializer):
    files = FileSerializer(many=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    referenceNumber = serializers.UUIDField()
    status = serializers.ChoiceField(choices=STATUSES)
    files = FileSerializer(many=True)
