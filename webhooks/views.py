"""The webhooks API under /v2/webhooks: a thin ViewSet over the webhooks services and selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.authentication import ApiKeyAuthentication, request_api_client
from customers.idempotency import request_idempotent_run
from customers.models import Organization
from customers.openapi import PAGE_PARAMETERS, errors
from customers.permissions import ApiKeyKindPermission
from customers.selectors import Page
from customers.serializers import IdempotentInputSerializer, ListQuerySerializer
from customers.throttling import ApiKeyRateThrottle

from . import selectors, services
from .events import WebhookEvent
from .models import Delivery
from .openapi import (
    DeletedEnvelope,
    DeliveryEnvelope,
    DeliveryListEnvelope,
    EndpointEnvelope,
    EndpointListEnvelope,
    EndpointWithSecretEnvelope,
    EventEnvelope,
)
from .serializers import (
    DeliveryListQuerySerializer,
    EndpointInputSerializer,
    EndpointUpdateInputSerializer,
    delivery_data,
    endpoint_data,
)

ID_PARAMETER = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Webhook endpoint id (UUID)")
DELIVERY_ID_PARAMETER = OpenApiParameter(
    "deliveryId", str, OpenApiParameter.PATH, description="Delivery id (UUID)"
)


def _ok(message: str, data: Any) -> dict[str, Any]:
    return {"success": True, "message": message, "data": data}


def _paginated(message: str, page: Page, data: Any) -> dict[str, Any]:
    return {
        **_ok(message, data),
        "pagination": {"page": page.page, "limit": page.limit, "total": page.total, "hasMore": page.has_more},
    }


@extend_schema(tags=["webhooks"])
class WebhookViewSet(viewsets.ViewSet):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiKeyKindPermission]
    throttle_classes = [ApiKeyRateThrottle]
    lookup_value_regex = "[^/]+"

    @property
    def organization(self) -> Organization:
        return request_api_client(self.request).organization

    @property
    def actor(self) -> str:
        return str(request_api_client(self.request))

    def _idempotent(self, request: Request, key: Any, handler, secret_box: dict | None = None) -> Response:
        outcome = request_idempotent_run(request, organization=self.organization, key=key, handler=handler)
        body = outcome.body
        # The secret is shown once: never stored with the idempotent response, never replayed.
        if secret_box and not outcome.replayed:
            body = {**body, "data": {**body["data"], "secret": secret_box["secret"]}}
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return Response(body, status=outcome.status, headers=headers)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint (its signing secret is in this response only)",
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretEnvelope, **errors(400, 403, 409, 415)},
    )
    def create(self, request: Request) -> Response:
        form = EndpointInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        box: dict[str, str] = {}

        def handler() -> tuple[int, dict[str, Any]]:
            endpoint, box["secret"] = services.endpoint_create(
                organization=self.organization,
                url=data["url"],
                events=data.get("events") or [],
                description=data.get("description") or "",
                enabled=data.get("enabled", True),
                actor=self.actor,
            )
            return http.HTTP_201_CREATED, _ok("Webhook endpoint created", endpoint_data(endpoint))

        return self._idempotent(request, data.get("idempotencyKey"), handler, box)

    @extend_schema(
        operation_id="webhooks_list",
        summary="List webhook endpoints",
        parameters=PAGE_PARAMETERS,
        responses={200: EndpointListEnvelope, **errors(400)},
    )
    def list(self, request: Request) -> Response:
        query = ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.endpoint_list(organization=self.organization, **query.validated_data)
        return Response(
            _paginated("Webhook endpoints retrieved", page, [endpoint_data(e) for e in page.items])
        )

    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="Get a webhook endpoint",
        parameters=[ID_PARAMETER],
        responses={200: EndpointEnvelope, **errors(404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        return Response(_ok("Webhook endpoint retrieved", endpoint_data(endpoint)))

    @extend_schema(
        operation_id="webhooks_update",
        summary="Update a webhook endpoint (url, events, description, enabled)",
        parameters=[ID_PARAMETER],
        request=EndpointUpdateInputSerializer,
        responses={200: EndpointEnvelope, **errors(400, 403, 404, 415)},
    )
    def update(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        form = EndpointUpdateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        endpoint = services.endpoint_update(
            endpoint=endpoint,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
            enabled=data.get("enabled"),
            actor=self.actor,
        )
        return Response(_ok("Webhook endpoint updated", endpoint_data(endpoint)))

    @extend_schema(
        operation_id="webhooks_delete",
        summary="Delete a webhook endpoint and its delivery log",
        parameters=[ID_PARAMETER],
        responses={200: DeletedEnvelope, **errors(403, 404)},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        services.endpoint_delete(endpoint=endpoint, actor=self.actor)
        return Response(_ok("Webhook endpoint deleted", None))

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        summary="Rotate the signing secret (the previous one keeps signing for 24 hours)",
        parameters=[ID_PARAMETER],
        request=IdempotentInputSerializer,
        responses={200: EndpointWithSecretEnvelope, **errors(400, 403, 404, 409, 415)},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        form = IdempotentInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        box: dict[str, str] = {}

        def handler() -> tuple[int, dict[str, Any]]:
            rotated, box["secret"] = services.endpoint_rotate_secret(endpoint=endpoint, actor=self.actor)
            return http.HTTP_200_OK, _ok("Webhook secret rotated", endpoint_data(rotated))

        return self._idempotent(request, form.validated_data.get("idempotencyKey"), handler, box)

    @extend_schema(
        operation_id="webhooks_test",
        summary="Send a webhook.test event to this endpoint",
        parameters=[ID_PARAMETER],
        request=IdempotentInputSerializer,
        responses={202: EventEnvelope, **errors(400, 403, 404, 409, 415)},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        form = IdempotentInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        def handler() -> tuple[int, dict[str, Any]]:
            event = services.endpoint_test(endpoint=endpoint, actor=self.actor)
            return http.HTTP_202_ACCEPTED, _ok(
                "Test event queued", {"eventId": str(event.id), "event": WebhookEvent.WEBHOOK_TEST.value}
            )

        return self._idempotent(request, form.validated_data.get("idempotencyKey"), handler)

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="List an endpoint's deliveries, each with its attempts",
        parameters=[
            ID_PARAMETER,
            *PAGE_PARAMETERS,
            OpenApiParameter("status", str, enum=Delivery.Status.values),
            OpenApiParameter("event", str, enum=WebhookEvent.values),
        ],
        responses={200: DeliveryListEnvelope, **errors(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        query = DeliveryListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.delivery_list(endpoint=endpoint, **query.validated_data)
        return Response(
            _paginated("Webhook deliveries retrieved", page, [delivery_data(d) for d in page.items])
        )

    @extend_schema(
        operation_id="webhooks_deliveries_retrieve",
        summary="Get one delivery with its attempts",
        parameters=[ID_PARAMETER, DELIVERY_ID_PARAMETER],
        responses={200: DeliveryEnvelope, **errors(404)},
    )
    @action(detail=True, methods=["get"], url_path=r"deliveries/(?P<deliveryId>[^/]+)")
    def delivery(self, request: Request, pk: str, deliveryId: str) -> Response:  # noqa: N803
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=deliveryId)
        return Response(_ok("Webhook delivery retrieved", delivery_data(delivery)))

    @extend_schema(
        operation_id="webhooks_deliveries_retry",
        summary="Send a delivery again now (not one that succeeded)",
        parameters=[ID_PARAMETER, DELIVERY_ID_PARAMETER],
        request=IdempotentInputSerializer,
        responses={202: DeliveryEnvelope, **errors(400, 403, 404, 409, 415)},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<deliveryId>[^/]+)/retry")
    def delivery_retry(self, request: Request, pk: str, deliveryId: str) -> Response:  # noqa: N803
        endpoint = selectors.endpoint_get(organization=self.organization, endpoint_id=pk)
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=deliveryId)
        form = IdempotentInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        def handler() -> tuple[int, dict[str, Any]]:
            retried = services.delivery_retry(delivery=delivery, actor=self.actor)
            retried = selectors.delivery_get(endpoint=endpoint, delivery_id=retried.pk)
            return http.HTTP_202_ACCEPTED, _ok("Webhook delivery queued again", delivery_data(retried))

        return self._idempotent(request, form.validated_data.get("idempotencyKey"), handler)
