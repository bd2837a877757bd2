"""Writes of the branding app: set or change an organization's brand, all fields checked first."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from django.db import transaction

from core.audit import Actor, AuditAction
from core.services import audit_record
from customers.models import Organization

from . import rules
from .errors import BrandingInvalid
from .models import OrganizationBranding


class Unset(enum.Enum):
    """A field the caller did not send (partial update): the stored value stays."""

    UNSET = "unset"


UNSET = Unset.UNSET


def _cleaned(
    *,
    display_name: str | Unset,
    accent_color: str | Unset | None,
    support_url: str | Unset | None,
    logo: bytes | Unset | None,
) -> dict[str, Any]:
    """Every given field checked before anything is written; all refusals reported at once."""
    changes: dict[str, Any] = {}
    refused: dict[str, list[str]] = {}

    def check(field: str, apply: Callable[[], None]) -> None:
        try:
            apply()
        except rules.FieldRefused as exc:
            refused[field] = [str(exc)]

    if display_name is not UNSET:
        check("displayName", lambda: changes.update(display_name=rules.display_name_clean(display_name)))
    if accent_color is not UNSET:

        def accent() -> None:
            if not accent_color:
                changes.update(accent_color="", accent_text_color="")
                return
            cleaned = rules.accent_clean(accent_color)
            changes.update(accent_color=cleaned.color, accent_text_color=cleaned.text_color)

        check("accentColor", accent)
    if support_url is not UNSET:
        check(
            "supportUrl",
            lambda: changes.update(support_url=rules.support_url_clean(support_url) if support_url else ""),
        )
    if logo is not UNSET:

        def picture() -> None:
            if logo is None:
                changes.update(
                    logo=None, logo_content_type="", logo_sha256="", logo_width=None, logo_height=None
                )
                return
            cleaned = rules.logo_clean(logo)
            changes.update(
                logo=cleaned.data,
                logo_content_type=cleaned.content_type,
                logo_sha256=cleaned.sha256,
                logo_width=cleaned.width,
                logo_height=cleaned.height,
            )

        check("logo", picture)
    if refused:
        raise BrandingInvalid(refused)
    return changes


def branding_validate(
    *,
    display_name: str | Unset = UNSET,
    accent_color: str | Unset | None = UNSET,
    support_url: str | Unset | None = UNSET,
    logo: bytes | Unset | None = UNSET,
) -> None:
    """The checks of branding_update without the write (the admin form shows them per field)."""
    _cleaned(display_name=display_name, accent_color=accent_color, support_url=support_url, logo=logo)


@transaction.atomic
def branding_update(
    *,
    organization: Organization,
    actor: Actor | str,
    display_name: str | Unset = UNSET,
    accent_color: str | Unset | None = UNSET,
    support_url: str | Unset | None = UNSET,
    logo: bytes | Unset | None = UNSET,
) -> OrganizationBranding:
    """Set the given fields of the organization's brand (created on first use, named after the
    organization). A refused field leaves every field as it was. `None` or "" clears the accent
    (default colours), the support link or the logo."""
    changes = _cleaned(
        display_name=display_name, accent_color=accent_color, support_url=support_url, logo=logo
    )
    # Lock the organization: two first updates at once must not both insert the one-to-one row.
    Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
    branding = OrganizationBranding.objects.filter(organization=organization).first()
    created = branding is None
    if branding is None:
        branding = OrganizationBranding(
            organization=organization, display_name=rules.display_name_clean(organization.name[:60] or "-")
        )
    changed = sorted(k for k, v in changes.items() if getattr(branding, k) != v)
    for name, value in changes.items():
        setattr(branding, name, value)
    if created or changed:
        branding.save()
        audit_record(
            action=AuditAction.BRANDING_UPDATED,
            target=organization,
            actor=actor,
            data={
                "fields": [f for f in changed if f not in ("logo", "accent_text_color")],
                "logoSha256": branding.logo_sha256,
                "accentColor": branding.accent_color,
            },
        )
    return branding
