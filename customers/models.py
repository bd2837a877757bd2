"""Organizations, their API keys and redirect allowlist, customers and their challenges."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    # Maintained by customer_create in the same transaction as the insert, so the
    # list's `total` never has to COUNT(*) a large organization.
    customer_count = models.PositiveBigIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.name


class RedirectOrigin(models.Model):
    """An origin (scheme://host[:port]) the organization may send users back to."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="redirect_origins")
    origin = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "origin"], name="uniq_org_origin"),
        ]

    def __str__(self) -> str:
        return self.origin


class ApiKey(models.Model):
    class Kind(models.TextChoices):
        FULL = "FULL"
        RESTRICTED = "RESTRICTED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FULL)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the raw key")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        permissions = [("revoke_apikey", "Can revoke API keys")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.kind})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Customer(models.Model):
    class PinStatus(models.TextChoices):
        UNSET = "UNSET"
        ENABLED = "ENABLED"
        LOCKED = "LOCKED"

    class RecoveryMethod(models.TextChoices):
        SECURITY_QUESTIONS = "SECURITY_QUESTIONS"
        EMAIL = "EMAIL"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the (organization, created_at, id) index and the unique
    # (organization, ref_id) one both begin with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    ref_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    # Written by the gateway as the user completes each step.
    has_pin = models.BooleanField(default=False)
    has_recovery = models.BooleanField(default=False)
    recovery_methods = models.JSONField(default=list, blank=True)
    pin_failed_attempts = models.PositiveSmallIntegerField(default=0)
    pin_locked_at = models.DateTimeField(null=True, blank=True)
    pin_locked_until = models.DateTimeField(null=True, blank=True)
    # Wrong security-question answer sets in a row, across all of the customer's challenges
    # (kept here, beside the PIN's, so the customer's body shows every lock without a join).
    questions_failed_attempts = models.PositiveSmallIntegerField(default=0)
    questions_locked_at = models.DateTimeField(null=True, blank=True)
    questions_locked_until = models.DateTimeField(null=True, blank=True)
    # Wrong email recovery codes in a row, across all of the customer's challenges; the
    # PIN_MAX_ATTEMPTS-th locks email recovery (customers.services.customer_email_code_attempt).
    email_failed_attempts = models.PositiveSmallIntegerField(default=0)
    email_locked_at = models.DateTimeField(null=True, blank=True)
    email_locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "ref_id"], name="uniq_customer_ref_id"),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="customer_org_created"),
        ]

    def __str__(self) -> str:
        return self.ref_id

    @property
    def pin_status(self) -> str:
        if not self.has_pin:
            return self.PinStatus.UNSET
        if self.pin_locked_until and self.pin_locked_until > timezone.now():
            return self.PinStatus.LOCKED
        return self.PinStatus.ENABLED

    @property
    def email_recovery_locked(self) -> bool:
        return bool(self.email_locked_until and self.email_locked_until > timezone.now())

    @property
    def questions_locked(self) -> bool:
        return bool(self.questions_locked_until and self.questions_locked_until > timezone.now())


class Challenge(models.Model):
    class Type(models.TextChoices):
        """Every challenge type the product has or will have. Which ones the API serves, and
        the steps of each, are the gateway's flows table (gateway/flows.py)."""

        INITIALIZE = "INITIALIZE"
        RESET_PIN = "RESET_PIN"
        CHANGE_PIN = "CHANGE_PIN"
        SET_RECOVERY = "SET_RECOVERY"
        CREATE_WALLET = "CREATE_WALLET"
        SIGN_MESSAGE = "SIGN_MESSAGE"
        SIGN_TYPED_DATA = "SIGN_TYPED_DATA"
        SIGN_TRANSACTION = "SIGN_TRANSACTION"
        EXPORT_PRIVATE_KEYS = "EXPORT_PRIVATE_KEYS"

    class Status(models.TextChoices):
        PENDING = "pending"
        IN_PROGRESS = "in_progress"
        VERIFIED = "verified"
        FAILED = "failed"
        EXPIRED = "expired"

    OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="challenges")
    # Indexed by the two indexes below, which begin with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="challenges", db_index=False
    )
    type = models.CharField(max_length=32, choices=Type.choices, default=Type.INITIALIZE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The step of the challenge's flow the user is at (gateway/flows.py); "" until the link is
    # opened. Written only by customers.services.challenge_transition and challenge_bind.
    step = models.CharField(max_length=32, blank=True, default="")
    return_url = models.URLField(max_length=2048)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    # Set when the single-use link is opened: the link is spent, the session owns it.
    link_used_at = models.DateTimeField(null=True, blank=True)
    session_binding = models.CharField(max_length=64, blank=True, default="")
    # INITIALIZE with resetPin: the customer's PIN (set, recovery never finished) is chosen
    # again and replaces the old copy and shard, instead of being asked for.
    reset_pin = models.BooleanField(default=False)
    # The language the integrator asked for (a code of settings.LANGUAGES; core.locales), or
    # null: then the page follows the browser's Accept-Language (docs/i18n.md).
    locale = models.CharField(max_length=8, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "created_at"], name="challenge_customer_created"),
            # A customer's open challenges (at most one, normally), found without walking the
            # customer's whole history: each new challenge supersedes the open one, and a
            # wallet in use gathers a challenge per signature.
            models.Index(
                fields=["customer"],
                condition=Q(status__in=["pending", "in_progress"]),
                name="challenge_customer_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "in_progress", "verified", "failed", "expired"]),
                name="challenge_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    @property
    def effective_status(self) -> str:
        """The stored status, except that an open challenge past its time reads expired."""
        if self.status in self.OPEN_STATUSES and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an idempotencyKey, replayed for retries.

    The unique (organization, key) constraint is the lock: a concurrent request with the
    same key blocks on the INSERT until the first one commits, then reads its response.
    """

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.UUIDField()
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Text, not JSON: jsonb would reorder keys and a replay must be the same bytes.
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="uniq_idempotency_org_key"),
        ]

    def __str__(self) -> str:
        return str(self.key)
