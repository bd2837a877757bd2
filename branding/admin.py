"""Admin of the organizations' brands: the same checks as the API (branding.rules, through
branding.services), so a brand set here is one the API would accept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from . import services
from .errors import BrandingInvalid
from .models import OrganizationBranding
from .rules import LOGO_MAX_BYTES

# API field -> form field, to put each refusal under its own field.
_FORM_FIELDS = {
    "displayName": "display_name",
    "accentColor": "accent_color",
    "supportUrl": "support_url",
    "logo": "logo_file",
}


class OrganizationBrandingForm(forms.ModelForm):
    logo_file = forms.FileField(
        required=False, label="Logo", help_text="PNG or JPEG, at most 256 KiB and 1024x1024 px (no SVG)"
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = OrganizationBranding
        fields = ["organization", "display_name", "accent_color", "support_url"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("logo_file")
        logo: bytes | services.Unset | None = services.UNSET
        if data.get("remove_logo"):
            logo = None
        elif upload is not None:
            logo = upload.read(LOGO_MAX_BYTES + 1)
        data["logo_bytes"] = logo
        try:
            # The service's checks, without writing: the write happens in save_model.
            services.branding_validate(
                display_name=data.get("display_name") or "",
                accent_color=data.get("accent_color") or None,
                support_url=data.get("support_url") or None,
                logo=logo,
            )
        except BrandingInvalid as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    self.add_error(_FORM_FIELDS[field], message)
        return data


@admin.register(OrganizationBranding)
class OrganizationBrandingAdmin(admin.ModelAdmin):
    form = OrganizationBrandingForm
    list_display = ["display_name", "organization", "accent_color", "support_url", "updated_at"]
    search_fields = ["display_name", "organization__name", "organization__id"]
    readonly_fields = ["logo_preview", "accent_text_color", "created_at", "updated_at"]
    fields = [
        "organization",
        "display_name",
        "logo_preview",
        "logo_file",
        "remove_logo",
        "accent_color",
        "accent_text_color",
        "support_url",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: OrganizationBranding | None = None):
        return [*self.readonly_fields, "organization"] if obj else self.readonly_fields

    @admin.display(description="Current logo")
    def logo_preview(self, obj: OrganizationBranding) -> str:
        from .selectors import branding_for_org

        brand = branding_for_org(organization_id=obj.organization_id) if obj.pk else None
        if brand is None or not brand.logo_path:
            return "—"
        return format_html('<img src="{}" alt="{}" height="48">', brand.logo_path, brand.app_name)

    def save_model(self, request: HttpRequest, obj: OrganizationBranding, form, change: bool) -> None:
        data = form.cleaned_data
        branding = services.branding_update(
            organization=obj.organization,
            actor=f"staff:{request.user.get_username()}",
            display_name=data["display_name"],
            accent_color=data.get("accent_color") or None,
            support_url=data.get("support_url") or None,
            logo=data["logo_bytes"],
        )
        obj.pk = branding.pk
        obj.refresh_from_db()
