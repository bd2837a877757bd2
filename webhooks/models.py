"""Webhook endpoints, the events we emit, one delivery per (endpoint, event) and its attempts."""

import uuid

from django.db import models
from django.db.models import Q

from customers.models import Organization

URL_MAX_LENGTH = 2048
DESCRIPTION_MAX_LENGTH = 255
RESPONSE_EXCERPT_BYTES = 1024


class Endpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    # Event names this endpoint receives; empty means every event.
    events = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    # Signing secrets, AES-GCM under the master key (core.crypto), endpoint id as associated data.
    secret_enc = models.BinaryField(editable=False)
    previous_secret_enc = models.BinaryField(null=True, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by the first failed attempt after a success, cleared by any success.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    # The worker draining this endpoint holds a lease, so one endpoint is sent to in order by
    # one worker at a time; a killed worker's lease simply runs out.
    lease_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at", "id"], name="webhook_endpoint_org")]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event: str) -> bool:
        return not self.events or event in self.events


class Event(models.Model):
    """One state change, written in the transaction that made it; its body never changes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_events")
    name = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Retries go on until this long after this moment (the event, or a manual re-send).
    window_started_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="uniq_webhook_delivery"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]), name="webhook_delivery_status"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "created_at", "id"], name="webhook_delivery_list"),
        ]
        permissions = [("resend_delivery", "Can re-send webhook deliveries")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"


class Attempt(models.Model):
    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True, default="")
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True, default="", help_text="First 1 KB of the answer")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="uniq_webhook_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
