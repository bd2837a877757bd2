"""App config for the customers API; registers the envelope error surface."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.errors import Surface, register_surface

        from .authentication import connect_signals
        from .errors import render_envelope_error

        connect_signals()
        register_surface(Surface("customers", ("/v2/customers", "/v2/"), render_envelope_error))
