"""App config of demo: `manage.py seed_demo`, the demo organization and partner client for `make run`."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
