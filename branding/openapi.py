"""OpenAPI shape of the branding API for drf-spectacular: its envelope, and an update that
must name at least one field."""

from drf_spectacular.extensions import OpenApiSerializerExtension

from customers.openapi import envelope

from .serializers import BrandingSerializer

BrandingEnvelope = envelope("BrandingEnvelope", BrandingSerializer())


class BrandingInputScheme(OpenApiSerializerExtension):
    """The update's fields are all optional, but not all at once (minProperties: 1)."""

    target_class = "branding.serializers.BrandingInputSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)  # what DRF fields give
        return {**schema, "minProperties": 1}
