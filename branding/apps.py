"""App config of the integrator's brand (display name, logo, accent colour, support link)."""

from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "branding"
    label = "branding"
    default_auto_field = "django.db.models.BigAutoField"
