"""The branding API (GET/PUT /v2/organization/branding) and the brand's assets on our origin
(the logo and the per-organization stylesheet under /gateway/brand/)."""

from __future__ import annotations

import uuid

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from customers.authentication import ApiKeyAuthentication, request_api_client
from customers.models import Organization
from customers.openapi import ErrorEnvelope, errors
from customers.permissions import ApiKeyKindPermission
from customers.throttling import ApiKeyRateThrottle

from . import selectors, services
from .errors import BodyTooLarge
from .openapi import BrandingEnvelope
from .serializers import BrandingInputSerializer, branding_data

IMMUTABLE = "public, max-age=31536000, immutable"


@extend_schema(tags=["branding"])
class BrandingViewSet(viewsets.ViewSet):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiKeyKindPermission]  # PUT needs a FULL key
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [JSONParser, MultiPartParser]

    @property
    def organization(self) -> Organization:
        return request_api_client(self.request).organization

    def _answer(self, message: str) -> Response:
        branding = selectors.branding_get(organization=self.organization)
        data = branding_data(organization=self.organization, branding=branding)
        return Response({"success": True, "message": message, "data": data})

    @extend_schema(
        operation_id="organization_branding_retrieve",
        summary="Get the organization's brand on the gateway pages and emails",
        responses={200: BrandingEnvelope, **errors()},
    )
    def retrieve(self, request: Request) -> Response:
        return self._answer("Branding retrieved")

    @extend_schema(
        operation_id="organization_branding_update",
        summary="Set the brand (partial: absent fields stay; a refused field changes nothing)",
        request={"application/json": BrandingInputSerializer, "multipart/form-data": BrandingInputSerializer},
        responses={
            200: BrandingEnvelope,
            **errors(400, 403, 415),
            413: OpenApiResponse(ErrorEnvelope, description="The body is larger than a logo can need"),
        },
    )
    def update(self, request: Request) -> Response:
        try:
            payload = request.data
        except RequestDataTooBig as exc:
            raise BodyTooLarge() from exc
        form = BrandingInputSerializer(data=payload)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.branding_update(
            organization=self.organization,
            actor=str(request_api_client(request)),
            display_name=data.get("displayName", services.UNSET),
            accent_color=data.get("accentColor", services.UNSET),
            support_url=data.get("supportUrl", services.UNSET),
            logo=data.get("logo", services.UNSET),
        )
        return self._answer("Branding updated")


@require_GET
def logo(request: HttpRequest, organization_id: uuid.UUID, sha256: str) -> HttpResponse:
    """The logo under its hash: the content never changes at this address, so caches keep it."""
    found = selectors.branding_logo(organization_id=organization_id, sha256=sha256)
    if found is None:
        raise Http404("No such logo.")
    body, content_type = found
    etag = f'"{sha256}"'
    response = (
        HttpResponse(status=304) if request.headers.get("If-None-Match") == etag else HttpResponse(body)
    )
    response["Content-Type"] = content_type
    response["ETag"] = etag
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def theme(request: HttpRequest, organization_id: uuid.UUID, version: str) -> HttpResponse:
    """The organization's accent as CSS custom properties, versioned by its content."""
    css = selectors.branding_theme(organization_id=organization_id, version=version)
    if css is None:
        raise Http404("No such stylesheet.")
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response
