"""App config of the wallets app (customer wallets on the 2-of-2 key split)."""

from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "wallets"
    default_auto_field = "django.db.models.BigAutoField"
