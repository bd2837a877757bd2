"""App config for the shared core package."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from .signals import staff_locked_out, staff_session_expiry

        user_logged_in.connect(staff_session_expiry, dispatch_uid="core.staff_session_expiry")
        user_locked_out.connect(staff_locked_out, dispatch_uid="core.staff_locked_out")
