"""Read-only admin views of the gateway's stored copies (no secret material is shown)."""

from django.contrib import admin

from .models import EmailCode, EmailRecovery, PinCredential, QuestionRecovery


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PinCredential)
class PinCredentialAdmin(_ReadOnly):
    list_display = ("customer", "scheme_version", "oprf_key_version", "created_at", "updated_at")
    list_filter = ("scheme_version", "oprf_key_version")
    fields = ("customer", "scheme_version", "oprf_key_version", "created_at", "updated_at")
    readonly_fields = fields


@admin.register(QuestionRecovery)
class QuestionRecoveryAdmin(_ReadOnly):
    list_display = (
        "customer",
        "scheme_version",
        "oprf_key_version",
        "created_at",
    )
    list_filter = ("scheme_version", "oprf_key_version")
    fields = (
        "customer",
        "scheme_version",
        "oprf_key_version",
        "question_ids",
        "created_at",
    )
    readonly_fields = fields


@admin.register(EmailRecovery)
class EmailRecoveryAdmin(_ReadOnly):
    list_display = ("customer", "email", "created_at")
    fields = ("customer", "email", "created_at")
    readonly_fields = fields


@admin.register(EmailCode)
class EmailCodeAdmin(_ReadOnly):
    list_display = ("challenge", "email", "attempts", "expires_at", "used_at")
    fields = ("challenge", "email", "attempts", "expires_at", "used_at", "created_at")
    readonly_fields = fields
