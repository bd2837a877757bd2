"""App config for the browser gateway pages; registers the gateway's JSON error surface
and the deployment check of the compiled catalogues."""

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.errors import Surface, register_surface

        from . import checks  # noqa: F401 - registers the deployment check of the catalogues
        from .errors import render_gateway_error

        register_surface(Surface("gateway", ("/gateway/api/",), render_gateway_error))
