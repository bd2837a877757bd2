"""Merchants: partner API clients, merchants, branches and merchant accounts.

The app's label stays `accounts` (see apps.py), so its tables, migrations, content types and
permissions keep the names they had before the `accounts/` package was split.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class ApiClient(models.Model):
    """A payments partner allowed to call the merchant API with a client token."""

    name = models.CharField(max_length=255)
    client_id = models.CharField(max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(
        max_length=64, editable=False, help_text="peppered HMAC-SHA256 of the secret, hex"
    )
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API client"
        ordering = ["-created_at"]
        permissions = [("disable_apiclient", "Can disable API clients")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def audit_actor(self) -> str:
        """How a partner acting with its client token is named in the audit trail."""
        return f"api-client:{self.client_id}"


class Merchant(models.Model):
    """A merchant; new accounts sit under the parent merchant until approved."""

    name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """A merchant branch, created for an account when staff approve it."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "branches"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A merchant account created by a partner; staff approve or decline it."""

    class Status(models.TextChoices):
        PENDING = "PENDING"
        APPROVED = "APPROVED"
        DECLINED = "DECLINED"

    username = models.CharField(max_length=50)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=16, help_text="E.164")
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100)
    password_hash = models.CharField(max_length=128, editable=False)
    password_changed_at = models.DateTimeField(editable=False)
    # Bumped on every password change; tokens carry it, so older tokens stop working.
    password_version = models.PositiveIntegerField(default=1, editable=False)
    pin_ciphertext = models.BinaryField(editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="accounts")
    branch = models.OneToOneField(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    declined_reason = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    api_client = models.ForeignKey(
        ApiClient, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_account_username_ci_uniq"),
        ]
        # The admin actions ask for these, not for "change": viewing is not deciding.
        permissions = [
            ("approve_account", "Can approve merchant accounts"),
            ("decline_account", "Can decline merchant accounts"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def audit_actor(self) -> str:
        """How the account acting with its own token is named in the audit trail."""
        return f"account:{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class RefreshTokenFamily(models.Model):
    """One sign-in of an account: every refresh token rotated from it belongs to the family.

    Tokens themselves are never stored: the family has an id (the `fam` claim of its access
    and refresh tokens) and an expiry; a revoked family ends every token of that sign-in.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True, help_text="expiry of its newest refresh token")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name_plural = "refresh token families"

    def __str__(self) -> str:
        return f"{self.account_id}:{self.id}"


class UsedRefreshToken(models.Model):
    """A refresh token already rotated, by its id (`jti`) and expiry: presenting it again is reuse."""

    jti = models.CharField(max_length=64, primary_key=True)
    family = models.ForeignKey(RefreshTokenFamily, on_delete=models.CASCADE, related_name="used_tokens")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.jti


class PendingAccount(Account):
    """The staff approval queue: accounts still waiting for a decision."""

    class Meta:
        proxy = True
        verbose_name = "pending account"


class MerchantAccount(Account):
    """Approved accounts: the merchants the backoffice works with."""

    class Meta:
        proxy = True
        verbose_name = "approved merchant"
