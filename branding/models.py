"""The brand an organization shows its users on the gateway pages and in its emails."""

from __future__ import annotations

from django.db import models

from customers.models import Organization


class OrganizationBranding(models.Model):
    """One row per organization that set a brand; without it the pages use the organization's
    name and the default colours.

    The logo lives in the database (at most 256 KiB, PNG or JPEG, checked by branding.rules)
    and is served from our own origin under its sha256, so its URL never changes meaning and
    the pages' CSP stays `img-src 'self'`.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="branding"
    )
    display_name = models.CharField(max_length=60)
    logo = models.BinaryField(null=True, blank=True)
    logo_content_type = models.CharField(max_length=20, blank=True)
    logo_sha256 = models.CharField(max_length=64, blank=True)
    logo_width = models.PositiveIntegerField(null=True, blank=True)
    logo_height = models.PositiveIntegerField(null=True, blank=True)
    accent_color = models.CharField(max_length=7, blank=True, help_text="#rrggbb; empty: the default colours")
    # Computed from accent_color by branding.rules: the button label colour with the most contrast.
    accent_text_color = models.CharField(max_length=7, blank=True, editable=False)
    support_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organization branding"
        verbose_name_plural = "organization brandings"

    def __str__(self) -> str:
        return self.display_name
