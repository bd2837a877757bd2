"""Thin DRF ViewSets of /v2/onboard: the application, its status, and its KYC files (multipart)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.utils.http import parse_header_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from merchants.authentication import AccountTokenAuthentication, IsAccountHolder, request_account
from merchants.serializers import NestErrorSerializer, NestValidationErrorSerializer
from merchants.views import COMMON, E400_VALIDATION, JSON, MerchantViewSet, _err

from . import selectors, serializers, services
from .documents import (
    PartCountingStream,
    StreamingUploadHandler,
    check_all_parts_read,
    validate_upload_form,
)
from .errors import MalformedMultipart, PayloadTooLarge

TAGS = ["onboarding"]
REF = OpenApiParameter(
    "refNo", OpenApiTypes.UUID, OpenApiParameter.PATH, description="the application's referenceNumber"
)
E404 = _err(
    "Not found (another account's application, or a malformed refNo)",
    {"statusCode": 404, "message": "Onboarding application not found", "error": "Not Found"},
)
E409 = _err(
    "The application's status does not allow this",
    {
        "statusCode": 409,
        "message": "An onboarding application cannot be updated while APPROVED",
        "error": "Conflict",
    },
)
E400_OPEN = OpenApiResponse(
    NestErrorSerializer,
    description="Validation error, or an application is already open for this account",
    examples=[
        OpenApiExample(
            "Validation",
            response_only=True,
            value={
                "statusCode": 400,
                "error": "Bad Request",
                "message": [
                    "address.office.city should not be empty",
                    "banks.1.currency must be one of the following values: PHP, USD",
                    "incorporators must contain exactly 2 elements for business type PARTNERSHIP",
                ],
            },
        ),
        OpenApiExample(
            "Already open",
            response_only=True,
            value={
                "statusCode": 400,
                "error": "Bad Request",
                "message": "An onboarding application is already open for this account (referenceNumber "
                "9b2f…); update it with PUT /v2/onboard/{refNo}",
            },
        ),
    ],
)
E400_FILES = _err(
    "Unknown field, empty file, not a PDF/JPEG/PNG, several files in one field",
    {
        "statusCode": 400,
        "error": "Bad Request",
        "message": ["secCert must be a PDF, JPEG or PNG file", "property foo should not exist"],
    },
    NestValidationErrorSerializer,
)
E413 = _err(
    "A file is larger than 10 MB (or the request larger than the request limit)",
    {
        "statusCode": 413,
        "message": "storePhoto must not be larger than 10 MB",
        "error": "Request Entity Too Large",
    },
)
E415 = _err(
    "Not multipart/form-data",
    {
        "statusCode": 415,
        "error": "Unsupported Media Type",
        "message": "Unsupported media type: send application/json",
    },
)


class _AccountHolderViewSet(MerchantViewSet):
    authentication_classes = [AccountTokenAuthentication]
    permission_classes = [IsAccountHolder]

    def application(self, ref_no: str):
        return selectors.application_get_for_account(
            account=request_account(self.request), reference_number=ref_no
        )


class OnboardingViewSet(_AccountHolderViewSet):
    @extend_schema(
        operation_id="onboard_create",
        tags=TAGS,
        summary="Submit the merchant onboarding application (one open application per account)",
        request={JSON: serializers.ApplicationSerializer},
        responses={201: serializers.CreatedSerializer, 400: E400_OPEN, **COMMON},
    )
    def create(self, request: Request) -> Response:
        body = self.body(serializers.ApplicationSerializer, request)
        application = services.application_create(account=request_account(request), body=body)
        return Response(
            {
                "referenceNumber": str(application.reference_number),
                "status": application.status,
                "dateCreated": selectors.application_status(application=application)["dateCreated"],
            },
            status=http.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="onboard_retrieve",
        tags=TAGS,
        parameters=[REF],
        summary="The whole application, as submitted, with its status and files",
        responses={200: serializers.ApplicationDetailSerializer, 404: E404, **COMMON},
    )
    def retrieve(self, request: Request, refNo: str) -> Response:  # noqa: N803 (the URL kwarg, as in the API)
        return Response(selectors.application_detail(application=self.application(refNo)))

    @extend_schema(
        operation_id="onboard_update",
        tags=TAGS,
        parameters=[REF],
        summary="Replace the application while NEW (stays NEW) or DECLINED (becomes PENDING)",
        request={JSON: serializers.ApplicationSerializer},
        responses={200: serializers.StatusSerializer, 400: E400_VALIDATION, 404: E404, 409: E409, **COMMON},
    )
    def update(self, request: Request, refNo: str) -> Response:  # noqa: N803 (the URL kwarg, as in the API)
        application = self.application(refNo)
        body = self.body(serializers.ApplicationSerializer, request)
        application = services.application_update(
            application=application, body=body, actor=request_account(request)
        )
        return Response(selectors.application_status(application=application))

    @extend_schema(
        operation_id="onboard_status",
        tags=TAGS,
        parameters=[REF],
        summary="Status, decline reason and the documents still missing",
        responses={200: serializers.StatusSerializer, 404: E404, **COMMON},
    )
    def status(self, request: Request, refNo: str) -> Response:  # noqa: N803 (the URL kwarg, as in the API)
        return Response(selectors.application_status(application=self.application(refNo)))


class OnboardingFilesViewSet(_AccountHolderViewSet):
    parser_classes = [MultiPartParser]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before anything reads the body: stream each file to disk, never into memory, and
        # count the parts on the way so none is dropped unseen.
        django_request = request._request  # noqa: SLF001 (DRF's documented way to the HttpRequest)
        django_request.upload_handlers = [StreamingUploadHandler(django_request)]
        _, params = parse_header_parameters(django_request.META.get("CONTENT_TYPE", ""))
        boundary = params.get("boundary", "")
        if boundary:
            # Django keeps the body stream in _stream; wrapping it is the only way to count parts.
            django_request._stream = PartCountingStream(django_request._stream, boundary.encode())  # type: ignore[assignment]  # noqa: SLF001
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="onboard_files_upload",
        tags=TAGS,
        parameters=[REF],
        summary="Upload KYC documents (multipart/form-data; a new file of a field replaces the old one)",
        description="Fields: " + ", ".join(serializers.DOCUMENT_FIELDS) + ". PDF, JPEG or PNG only, "
        "recognised by content; at most 10 MB each.",
        request={"multipart/form-data": serializers.FilesRequestSerializer},
        responses={
            201: serializers.FilesSerializer,
            400: E400_FILES,
            404: E404,
            409: E409,
            413: E413,
            415: E415,
            **COMMON,
        },
    )
    def upload(self, request: Request, refNo: str) -> Response:  # noqa: N803 (the URL kwarg, as in the API)
        application = self.application(refNo)
        try:
            files, text_fields = request.FILES, list(request.POST)
        except RequestDataTooBig as exc:
            raise PayloadTooLarge("The form fields are too large") from exc
        except SuspiciousOperation as exc:
            raise MalformedMultipart(errors=["Malformed multipart body"]) from exc
        django_request = request._request  # noqa: SLF001 (as in initial)
        oversized = getattr(django_request, StreamingUploadHandler.OVERSIZED_ATTR, [])
        stream = django_request._stream  # noqa: SLF001 (the PartCountingStream set in initial)
        check_all_parts_read(
            counter=stream if isinstance(stream, PartCountingStream) else None,
            files=files,
            fields=request.POST,
            oversized=oversized,
        )
        uploads = validate_upload_form(files=files, text_fields=text_fields, oversized=oversized)
        documents = services.application_documents_store(
            application=application, uploads=uploads, actor=request_account(request)
        )
        return Response(
            {"files": [selectors.document_summary(document=d) for d in documents]},
            status=http.HTTP_201_CREATED,
        )
