"""OpenAPI shape of the branding API's envelope for drf-spectacular."""

from customers.openapi import envelope

from .serializers import BrandingSerializer

BrandingEnvelope = envelope("BrandingEnvelope", BrandingSerializer())
