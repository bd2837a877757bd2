"""App config for the merchant API; registers the NestJS-style error surface."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.errors import Surface, register_surface

        from .errors import render_nest_error

        register_surface(Surface("merchant", ("/v2/auth/", "/v2/account", "/v2/onboard"), render_nest_error))
