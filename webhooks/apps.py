"""App config of the signed webhooks (endpoints, events, deliveries and their attempts)."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
