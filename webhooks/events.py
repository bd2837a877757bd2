"""The event names an endpoint can subscribe to (Planbok's names)."""

from django.db import models


class WebhookEvent(models.TextChoices):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_PIN_SETUP = "customer.pin_setup"
    CUSTOMER_PIN_UPDATED = "customer.pin_updated"
    CUSTOMER_LOCKED_OUT = "customer.locked_out"
    CUSTOMER_RECOVERY_INITIATED = "customer.recovery_initiated"
    CUSTOMER_RECOVERY_COMPLETED = "customer.recovery_completed"
    CHALLENGE_VERIFIED = "challenge.verified"
    CHALLENGE_FAILED = "challenge.failed"
    CHALLENGE_EXPIRED = "challenge.expired"
    WALLET_CREATED = "wallet.created"
    WALLET_KEYS_EXPORTED = "wallet.keys_exported"
    TRANSACTION_SIGNED = "transaction.signed"
    # Sent only by POST /v2/webhooks/{id}/test, to that endpoint alone; not subscribable.
    WEBHOOK_TEST = "webhook.test"


SUBSCRIBABLE_EVENTS = [e.value for e in WebhookEvent if e != WebhookEvent.WEBHOOK_TEST]
