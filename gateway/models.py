"""What the gateway stores per customer: the wrapped shard copies and their server-side halves.

Nothing here lets anyone guess a PIN or an answer offline: each copy keeps only a peppered
HMAC of the browser's authKey and a secret `s` encrypted under a master key, both of
which live outside the database. Scheme v2 copies also name the OPRF key version their
authKey was derived under (the key itself is outside the database: core/keys.py).
"""

import uuid

from django.db import models

from customers.models import Challenge, Customer

SCHEME_V1 = 1  # m = PBKDF2(PIN, salt)
SCHEME_V2 = 2  # m = PBKDF2(OPRF(k, PIN), salt), RFC 9497 ristretto255-SHA512
SCHEME_VERSION = SCHEME_V2  # what new PIN and answer copies are made under
SCHEME_CHOICES = [(SCHEME_V1, "v1 (PBKDF2)"), (SCHEME_V2, "v2 (OPRF + PBKDF2)")]


class PinCredential(models.Model):
    """The shard wrapped under the user's PIN (docs/architecture.md, "Key scheme, and why")."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="pin_credential")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_V1, choices=SCHEME_CHOICES)
    oprf_key_version = models.PositiveSmallIntegerField(null=True, blank=True)
    salt = models.BinaryField(max_length=16)
    auth_hmac = models.BinaryField(max_length=32)
    secret_enc = models.BinaryField()
    wrapped_shard = models.BinaryField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"PIN credential of {self.customer_id}"


class QuestionRecovery(models.Model):
    """The shard wrapped under three normalised answers (its failure counter is on the customer:
    Customer.questions_failed_attempts and questions_locked_until)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="question_recovery")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_V1, choices=SCHEME_CHOICES)
    oprf_key_version = models.PositiveSmallIntegerField(null=True, blank=True)
    question_ids = models.JSONField(default=list)
    salt = models.BinaryField(max_length=16)
    auth_hmac = models.BinaryField(max_length=32)
    secret_enc = models.BinaryField()
    wrapped_shard = models.BinaryField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Security questions of {self.customer_id}"


class EmailRecovery(models.Model):
    """The shard wrapped under a random recovery key that the server escrows (server-assisted)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="email_recovery")
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_V1)  # no PIN-derived key: no OPRF
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


class OprfEvaluation(models.Model):
    """One OPRF evaluation handed to a page for an unlock (scheme v2).

    It was counted as a failed attempt when it was made; a correct proof that names it (once)
    is what clears the count. It keeps the blinded element (uniformly random, so it says
    nothing about the PIN) to evaluate it under a newer key when the copy is re-keyed.
    """

    class Purpose(models.TextChoices):
        PIN = "pin", "PIN"
        QUESTIONS = "questions", "Security questions"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="oprf_evaluations")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    key_version = models.PositiveSmallIntegerField()
    blinded_element = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["challenge", "purpose"], name="oprfeval_challenge_purpose")]

    def __str__(self) -> str:
        return f"OPRF evaluation {self.id} ({self.purpose})"
