"""App config of merchants: partner API clients, merchant accounts, tokens, approval, branches.

The label stays `accounts`, the name this app had before `accounts/` was split into
`merchants/` and `onboarding/`: the table names (accounts_*), the migration history in
django_migrations, the content types and so the staff permissions and admin URLs
(/admin/accounts/...) of an existing database keep working unchanged.
"""

from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.errors import Surface, register_surface

        from .errors import render_nest_error

        # The merchant API surface: the partner/account endpoints and onboarding (/v2/onboard),
        # which answers in the same NestJS-style bodies.
        register_surface(Surface("merchant", ("/v2/auth/", "/v2/account", "/v2/onboard"), render_nest_error))
