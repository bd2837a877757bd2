"""The customers API: a thin ViewSet over the customers services and selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import DomainError

from . import selectors, services
from .authentication import ApiKeyAuthentication, request_api_client, request_config_epoch
from .idempotency import request_idempotent_run
from .models import Challenge, Organization
from .openapi import (
    PAGE_PARAMETERS,
    ChallengeEnvelope,
    ChallengeListEnvelope,
    CustomerEnvelope,
    CustomerListEnvelope,
    ErrorEnvelope,
    errors,
)
from .permissions import ApiKeyKindPermission
from .query import CHALLENGE_QUERY, PAGE_QUERY, query_read
from .selectors import Page
from .serializers import (
    ChallengeCreateInputSerializer,
    CustomerCreateInputSerializer,
    InitializeInputSerializer,
    challenge_data,
    customer_data,
)
from .throttling import ApiKeyRateThrottle

_LOCKED = {
    423: OpenApiResponse(
        ErrorEnvelope, description="The customer's PIN is locked; `errors.lockedExpiryDate` says until when"
    )
}
_CONFLICT_OR_LOCKED = {
    409: OpenApiResponse(
        ErrorEnvelope,
        description="The challenge cannot start for this customer; when a lock keeps the user from "
        "its first step (the PIN for initialize, every recovery method for reset-pin), "
        "`errors.lockedExpiryDate` says until when",
    )
}
ID_PARAMETER = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Customer id (UUID)")
CHALLENGE_ID_PARAMETER = OpenApiParameter(
    "challengeId", str, OpenApiParameter.PATH, description="Challenge id (UUID)"
)


def _ok(message: str, data: Any) -> dict[str, Any]:
    return {"success": True, "message": message, "data": data}


def _paginated(message: str, page: Page, data: Any) -> dict[str, Any]:
    return {
        **_ok(message, data),
        "pagination": {"page": page.page, "limit": page.limit, "total": page.total, "hasMore": page.has_more},
    }


class CustomerViewSet(viewsets.ViewSet):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiKeyKindPermission]
    throttle_classes = [ApiKeyRateThrottle]
    lookup_value_regex = "[^/]+"  # a non-UUID id is a 404 from the selector, in the envelope

    @property
    def organization(self) -> Organization:
        return request_api_client(self.request).organization

    @property
    def actor(self) -> str:
        return str(request_api_client(self.request))

    def _redirect_url_checked(self, pk: str, url: str, epoch: str | None) -> str:
        """A challenge's redirectUrl, allowlisted (from the worker's cache under `epoch`).
        An unknown customer is a 404 before a refused URL's 400; a known one is checked by
        the creating service's row lock instead, so an accepted URL costs no customer read."""
        try:
            return services.redirect_url_validate(organization=self.organization, url=url, config_epoch=epoch)
        except DomainError:
            selectors.customer_read(organization=self.organization, customer_id=pk)
            raise

    def _idempotent(self, request: Request, key: Any, handler) -> Response:
        outcome = request_idempotent_run(request, organization=self.organization, key=key, handler=handler)
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        return Response(outcome.body, status=outcome.status, headers=headers)

    @extend_schema(
        operation_id="customers_create",
        tags=["customers"],
        summary="Create a customer",
        request=CustomerCreateInputSerializer,
        responses={201: CustomerEnvelope, **errors(400, 403, 409, 415)},
    )
    def create(self, request: Request) -> Response:
        form = CustomerCreateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data

        def handler() -> tuple[int, dict[str, Any]]:
            customer = services.customer_create(
                organization=self.organization,
                ref_id=data["refId"],
                name=data.get("name") or "",
                actor=self.actor,
                config_epoch=request_config_epoch(request),
            )
            return http.HTTP_201_CREATED, _ok("Customer created", customer_data(customer))

        return self._idempotent(request, data.get("idempotencyKey"), handler)

    @extend_schema(
        operation_id="customers_list",
        tags=["customers"],
        summary="List customers",
        parameters=PAGE_PARAMETERS,
        responses={200: CustomerListEnvelope, **errors(400)},
    )
    def list(self, request: Request) -> Response:
        query = query_read(request.query_params, PAGE_QUERY)  # as ListQuerySerializer reads it
        page = selectors.customer_list(organization=self.organization, **query)
        data = [customer_data(c) for c in page.items]
        return Response(_paginated("Customers retrieved", page, data))

    @extend_schema(
        operation_id="customers_retrieve",
        tags=["customers"],
        summary="Get a customer",
        parameters=[ID_PARAMETER],
        responses={200: CustomerEnvelope, **errors(404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        customer = selectors.customer_read(organization=self.organization, customer_id=pk)
        return Response(_ok("Customer retrieved", customer_data(customer)))

    def _challenge_create(
        self,
        request: Request,
        pk: str,
        service,
        message: str,
        form_class: type[ChallengeCreateInputSerializer] = ChallengeCreateInputSerializer,
        **options: Any,
    ) -> Response:
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        epoch = request_config_epoch(request)
        redirect_url = self._redirect_url_checked(pk, data["redirectUrl"], epoch)
        chosen = {name: data[field] for name, field in options.items()}

        def handler() -> tuple[int, dict[str, Any]]:
            challenge = service(
                organization=self.organization,
                customer_id=pk,
                redirect_url=redirect_url,
                actor=self.actor,
                config_epoch=epoch,
                locale=data.get("locale"),
                **chosen,
            )
            return http.HTTP_201_CREATED, _ok(message, challenge_data(challenge))

        return self._idempotent(request, data.get("idempotencyKey"), handler)

    @extend_schema(
        operation_id="customers_initialize",
        tags=["challenges"],
        summary="Start the PIN and recovery setup challenge",
        parameters=[ID_PARAMETER],
        request=InitializeInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 415), **_CONFLICT_OR_LOCKED},
    )
    @action(detail=True, methods=["post"])
    def initialize(self, request: Request, pk: str) -> Response:
        return self._challenge_create(
            request,
            pk,
            services.customer_initialize,
            "Initialization challenge created",
            form_class=InitializeInputSerializer,
            reset_pin="resetPin",
        )

    @extend_schema(
        operation_id="customers_reset_pin",
        tags=["challenges"],
        summary="Start a PIN reset challenge (needs PIN and recovery)",
        parameters=[ID_PARAMETER],
        request=ChallengeCreateInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 415), **_CONFLICT_OR_LOCKED},
    )
    @action(detail=True, methods=["post"], url_path="reset-pin")
    def reset_pin(self, request: Request, pk: str) -> Response:
        return self._challenge_create(request, pk, services.customer_reset_pin, "PIN reset challenge created")

    @extend_schema(
        tags=["challenges"],
        operation_id="customers_update_pin",
        summary="Start a PIN change challenge (the current PIN, then a new one; same wallets)",
        parameters=[ID_PARAMETER],
        request=ChallengeCreateInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **_LOCKED},
    )
    @action(detail=True, methods=["post"], url_path="update-pin")
    def update_pin(self, request: Request, pk: str) -> Response:
        return self._challenge_create(
            request, pk, services.customer_change_pin, "PIN change challenge created"
        )

    @extend_schema(
        tags=["challenges"],
        operation_id="customers_recovery",
        summary="Start a recovery change challenge (the PIN, then a new recovery method or answers)",
        parameters=[ID_PARAMETER],
        request=ChallengeCreateInputSerializer,
        responses={201: ChallengeEnvelope, **errors(400, 403, 404, 409, 415), **_LOCKED},
    )
    @action(detail=True, methods=["post"], url_path="recovery")
    def recovery(self, request: Request, pk: str) -> Response:
        return self._challenge_create(
            request, pk, services.customer_set_recovery, "Recovery change challenge created"
        )

    @extend_schema(
        operation_id="customers_challenges_list",
        tags=["challenges"],
        summary="List a customer's challenges",
        parameters=[
            ID_PARAMETER,
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "status",
                str,
                enum=Challenge.Status.values,
                description="Effective status (an open challenge past its expiry is expired)",
            ),
        ],
        responses={200: ChallengeListEnvelope, **errors(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def challenges(self, request: Request, pk: str) -> Response:
        query = query_read(request.query_params, CHALLENGE_QUERY)  # as ChallengeListQuerySerializer
        page = selectors.challenge_list(organization=self.organization, customer_id=pk, **query)
        data = [challenge_data(c) for c in page.items]
        return Response(_paginated("Challenges retrieved", page, data))

    @extend_schema(
        operation_id="customers_challenges_retrieve",
        tags=["challenges"],
        summary="Get one challenge",
        parameters=[ID_PARAMETER, CHALLENGE_ID_PARAMETER],
        responses={200: ChallengeEnvelope, **errors(404)},
    )
    @action(detail=True, methods=["get"], url_path=r"challenges/(?P<challengeId>[^/]+)")
    def challenge(self, request: Request, pk: str, challengeId: str) -> Response:  # noqa: N803
        challenge = selectors.challenge_get(
            organization=self.organization, customer_id=pk, challenge_id=challengeId
        )
        return Response(_ok("Challenge retrieved", challenge_data(challenge)))
