"""App config for the browser gateway pages; registers the gateway's JSON error surface."""

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.errors import Surface, register_surface

        from .errors import render_gateway_error

        register_surface(Surface("gateway", ("/gateway/api/",), render_gateway_error))
