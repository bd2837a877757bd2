"""Input and output shapes of PUT/GET /v2/organization/branding (camelCase, like the rest of v2)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.serializers import StrictCharField, _timestamp

from .models import OrganizationBranding
from .rules import LOGO_MAX_BYTES
from .selectors import Brand, _brand


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "The logo: base64 of a PNG or JPEG (at most 256 KiB, 1024x1024 px; a "
        "`data:image/...;base64,` prefix is accepted), a file part in multipart, or null to remove it. "
        "SVG is not accepted.",
    }
)
class LogoField(serializers.Field):
    default_error_messages = {
        "invalid": "logo must be base64 of a PNG or JPEG image, or null",
        "too_large": f"logo must be at most {LOGO_MAX_BYTES // 1024} KiB",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data: Any) -> bytes:
        if isinstance(data, UploadedFile):
            if data.size is not None and data.size > LOGO_MAX_BYTES:
                self.fail("too_large")
            return data.read(LOGO_MAX_BYTES + 1)
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        if text.startswith("data:"):
            header, _, text = text.partition(",")
            if not header.endswith(";base64"):
                self.fail("invalid")
        # base64 of the limit, with room for line breaks; anything longer is too large decoded.
        if len(text) > (LOGO_MAX_BYTES * 4 // 3) + 4096:
            self.fail("too_large")
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")


NOTHING_TO_UPDATE = "Send at least one of displayName, accentColor, supportUrl, logo"


class BrandingInputSerializer(serializers.Serializer):
    """Every field optional, but at least one given: what is absent stays as it was. null clears
    the accent, the support link or the logo."""

    # Types only here: branding.rules decides (the same checks as the admin).
    displayName = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="1 to 60 characters"
    )
    accentColor = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="#rrggbb; refused unless white or #1b1f24 text on it reaches 4.5:1 (WCAG AA); null: none",
    )
    supportUrl = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="https:// address, at most 500 characters",
    )
    logo = LogoField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # An update that names no field (an empty object, a multipart body with no part, a
        # misspelt name) changes nothing: almost always a client's mistake, so say so.
        if not attrs:
            raise serializers.ValidationError(NOTHING_TO_UPDATE)
        return attrs


class LogoSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="On our origin; changes with the logo (immutable, cacheable)")
    contentType = serializers.ChoiceField(choices=["image/png", "image/jpeg"])
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    sha256 = serializers.CharField()


class BrandingSerializer(serializers.Serializer):
    displayName = serializers.CharField(help_text="The app's name on the pages and in emails")
    accentColor = serializers.CharField(allow_null=True, help_text="#rrggbb; null: default colours")
    accentTextColor = serializers.CharField(
        allow_null=True, help_text="The primary buttons' label colour, chosen for contrast"
    )
    supportUrl = serializers.URLField(allow_null=True)
    logo = LogoSerializer(allow_null=True)
    updatedAt = serializers.DateTimeField(allow_null=True)


def branding_data(*, organization, branding: OrganizationBranding | None) -> dict[str, Any]:
    brand: Brand = _brand(organization, branding)
    return {
        "displayName": brand.app_name,
        "accentColor": brand.accent_color or None,
        "accentTextColor": brand.accent_text_color or None,
        "supportUrl": brand.support_url or None,
        "logo": (
            {
                "url": brand.logo_url,
                "contentType": branding.logo_content_type,
                "width": branding.logo_width,
                "height": branding.logo_height,
                "sha256": branding.logo_sha256,
            }
            if branding is not None and branding.logo_sha256
            else None
        ),
        "updatedAt": _timestamp(branding.updated_at) if branding else None,
    }
