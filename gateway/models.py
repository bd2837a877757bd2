"""What the gateway stores per customer: the wrapped shard copies and their server-side halves.

Nothing here lets anyone guess a PIN or an answer offline: each copy keeps only a peppered
HMAC of the browser's authKey and a secret `s` encrypted under a master key, both of
which live outside the database.
"""

from django.db import models

from customers.models import Challenge, Customer

SCHEME_VERSION = 1


class PinCredential(models.Model):
    """The shard wrapped under the user's PIN (docs/architecture.md, "Key scheme, and why")."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="pin_credential")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_VERSION)
    salt = models.BinaryField(max_length=16)
    auth_hmac = models.BinaryField(max_length=32)
    secret_enc = models.BinaryField()
    wrapped_shard = models.BinaryField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"PIN credential of {self.customer_id}"


class QuestionRecovery(models.Model):
    """The shard wrapped under three normalised answers, with its own failure counter."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="question_recovery")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_VERSION)
    question_ids = models.JSONField(default=list)
    salt = models.BinaryField(max_length=16)
    auth_hmac = models.BinaryField(max_length=32)
    secret_enc = models.BinaryField()
    wrapped_shard = models.BinaryField(max_length=60)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Security questions of {self.customer_id}"


class EmailRecovery(models.Model):
    """The shard wrapped under a random recovery key that the server escrows (server-assisted)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="email_recovery")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_VERSION)
    email = models.EmailField()
    key_enc = models.BinaryField()
    wrapped_shard = models.BinaryField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Email recovery of {self.customer_id}"


class EmailCode(models.Model):
    """A 6-digit code mailed to confirm an address (setup) or to release the escrowed key (restore)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="email_codes")
    email = models.EmailField()
    code_hmac = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["challenge", "created_at"], name="emailcode_challenge_created")]

    def __str__(self) -> str:
        return f"Email code for challenge {self.challenge_id}"
