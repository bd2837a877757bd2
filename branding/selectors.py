"""Reads of the branding app: the brand a gateway page or an email shows, and its assets."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from customers.models import Organization

from .models import OrganizationBranding
from .rules import Accent


@dataclass(frozen=True)
class Brand:
    """What a page or an email shows of the integrator. `app_name` is empty where no
    organization is known (an unknown link): the page then names our product only."""

    app_name: str
    product_name: str
    support_url: str = ""
    logo_path: str = ""
    logo_width: int | None = None
    logo_height: int | None = None
    accent_color: str = ""
    accent_text_color: str = ""
    link_color: str = ""  # the accent where it reads as text on the page, else empty (default link colour)
    theme_path: str = ""

    @property
    def logo_url(self) -> str:
        """The logo's absolute address on our origin (emails need one); empty without a logo."""
        return f"{settings.PUBLIC_BASE_URL}{self.logo_path}" if self.logo_path else ""


def _product_name() -> str:
    return str(settings.GATEWAY_PRODUCT_NAME)


def theme_css(*, accent_color: str, accent_text_color: str) -> str:
    """The per-organization stylesheet: CSS custom properties only (the CSP allows no inline style)."""
    accent = Accent(color=accent_color, text_color=accent_text_color)
    lines = [f"--accent: {accent.color};", f"--accent-ink: {accent.text_color};"]
    if accent.usable_for_links:
        lines.append(f"--link: {accent.color};")
    return ":root { " + " ".join(lines) + " }\n"


def theme_version(*, accent_color: str, accent_text_color: str) -> str:
    css = theme_css(accent_color=accent_color, accent_text_color=accent_text_color)
    return hashlib.sha256(css.encode()).hexdigest()[:16]


def _brand(organization: Organization, branding: OrganizationBranding | None) -> Brand:
    if branding is None:
        return Brand(app_name=organization.name, product_name=_product_name())
    org_id = str(organization.pk)
    logo_path = (
        reverse("branding:logo", kwargs={"organization_id": org_id, "sha256": branding.logo_sha256})
        if branding.logo_sha256
        else ""
    )
    theme_path = ""
    if branding.accent_color:
        version = theme_version(
            accent_color=branding.accent_color, accent_text_color=branding.accent_text_color
        )
        theme_path = reverse("branding:theme", kwargs={"organization_id": org_id, "version": version})
    return Brand(
        app_name=branding.display_name,
        product_name=_product_name(),
        support_url=branding.support_url,
        logo_path=logo_path,
        logo_width=branding.logo_width,
        logo_height=branding.logo_height,
        accent_color=branding.accent_color,
        accent_text_color=branding.accent_text_color,
        link_color=(
            branding.accent_color
            if branding.accent_color
            and Accent(color=branding.accent_color, text_color=branding.accent_text_color).usable_for_links
            else ""
        ),
        theme_path=theme_path,
    )


def _brand_of(organizations: QuerySet[Organization]) -> Brand:
    """One query: the organization with its brand (the logo's bytes stay in the database)."""
    organization = organizations.select_related("branding").defer("branding__logo").first()
    if organization is None:
        return Brand(app_name="", product_name=_product_name())
    return _brand(organization, getattr(organization, "branding", None))


def branding_for_org(*, organization_id: uuid.UUID | str | None) -> Brand:
    """The brand of a gateway page or email. An organization without branding shows its name and
    the default colours; no organization (or an unknown one) shows our product alone."""
    if organization_id is None:
        return Brand(app_name="", product_name=_product_name())
    return _brand_of(Organization.objects.filter(pk=organization_id))


def branding_for_challenge(*, challenge_id: uuid.UUID) -> Brand:
    """The brand of the organization behind a challenge id, for pages that hold no challenge row."""
    return _brand_of(Organization.objects.filter(challenges__id=challenge_id))


def branding_get(*, organization: Organization) -> OrganizationBranding | None:
    return OrganizationBranding.objects.defer("logo").filter(organization=organization).first()


def branding_logo(*, organization_id: uuid.UUID, sha256: str) -> tuple[bytes, str] | None:
    """The logo's bytes and sniffed type, only under its current hash (an old URL is a 404)."""
    row = (
        OrganizationBranding.objects.filter(organization_id=organization_id, logo_sha256=sha256)
        .values_list("logo", "logo_content_type")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1]


def branding_theme(*, organization_id: uuid.UUID, version: str) -> str | None:
    """The organization's stylesheet, only under its current version."""
    row = (
        OrganizationBranding.objects.filter(organization_id=organization_id)
        .exclude(accent_color="")
        .values_list("accent_color", "accent_text_color")
        .first()
    )
    if row is None or theme_version(accent_color=row[0], accent_text_color=row[1]) != version:
        return None
    return theme_css(accent_color=row[0], accent_text_color=row[1])
