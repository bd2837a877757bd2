"""Onboarding: a merchant's KYC application and its documents.

The tables keep the names they had when these models lived in the `accounts` app
(`db_table`), and so do the constraints; migration onboarding 0001 only moved the models'
state (SeparateDatabaseAndState).
"""

from django.conf import settings
from django.db import models

from merchants.models import Account


class OnboardingApplication(models.Model):
    """A merchant's onboarding application (KYC); its body is kept encrypted."""

    class Status(models.TextChoices):
        NEW = "NEW"
        PENDING = "PENDING"
        APPROVED = "APPROVED"
        DECLINED = "DECLINED"

    OPEN_STATUSES = (Status.NEW, Status.PENDING, Status.DECLINED)
    DECIDABLE_STATUSES = (Status.NEW, Status.PENDING)

    reference_number = models.UUIDField(unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="onboarding_applications")
    merchant_name = models.CharField(max_length=255)
    business_type = models.CharField(max_length=32)
    # AES-GCM of the submitted JSON (TINs, SSS numbers, mothers' maiden names, dates of birth).
    payload = models.BinaryField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    declined_reason = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "accounts_onboardingapplication"
        ordering = ["-created_at"]
        permissions = [
            ("approve_onboardingapplication", "Can approve onboarding applications"),
            ("decline_onboardingapplication", "Can decline onboarding applications"),
        ]
        constraints = [
            # One open application per account, settled by the database under concurrency.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=["NEW", "PENDING", "DECLINED"]),
                name="accounts_onboarding_one_open_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_name} ({self.reference_number})"


class OnboardingDocument(models.Model):
    """One KYC file of an application; the bytes live in the default storage under `storage_name`."""

    id = models.UUIDField(primary_key=True, editable=False)
    application = models.ForeignKey(OnboardingApplication, on_delete=models.CASCADE, related_name="documents")
    field = models.CharField(max_length=40, help_text="the form field, e.g. birCert2303")
    original_name = models.CharField(max_length=255, help_text="sanitized; metadata only")
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_onboardingdocument"
        ordering = ["field"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "field"], name="accounts_onboarding_doc_one_per_field"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.original_name}"
