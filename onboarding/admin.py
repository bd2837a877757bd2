"""Backoffice of onboarding: the applications with their KYC documents (served to staff only),
Approve / Decline with a reason."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin_actions import decline_with_reason, for_each, staff_user
from core.audit import AuditAction, audit_actor_for
from core.services import audit_record

from . import selectors as onboarding_selectors
from . import services as onboarding_services
from .models import OnboardingApplication, OnboardingDocument


@admin.register(OnboardingApplication)
class OnboardingApplicationAdmin(admin.ModelAdmin):
    """Review: the application and its documents (served to staff only), Approve / Decline."""

    list_display = (
        "merchant_name",
        "reference_number",
        "business_type",
        "account",
        "status",
        "missing_documents",
        "created_at",
    )
    list_filter = ("status", "business_type")
    search_fields = ("merchant_name", "reference_number", "account__username")
    ordering = ("created_at",)
    fields = (
        "reference_number",
        "account",
        "merchant_name",
        "business_type",
        "status",
        "declined_reason",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
        "missing_documents",
        "documents_links",
        "application",
    )
    readonly_fields = fields
    actions = ("approve_applications", "decline_applications")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications come from the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("account", "decided_by")

    def get_urls(self) -> list:
        download = self.admin_site.admin_view(self.document_download)
        return [
            path(
                "<int:object_id>/documents/<uuid:document_id>/",
                download,
                name="onboarding_onboardingapplication_document",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="missing documents")
    def missing_documents(self, obj: OnboardingApplication) -> str:
        return ", ".join(onboarding_selectors.application_missing_documents(application=obj)) or "—"

    @admin.display(description="documents")
    def documents_links(self, obj: OnboardingApplication) -> str:
        rows = [
            (
                reverse("admin:onboarding_onboardingapplication_document", args=(obj.pk, d.pk)),
                d.field,
                d.original_name,
                d.content_type,
                d.size,
            )
            for d in obj.documents.all()
        ]
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a>: {} ({}, {} bytes)</li>', rows)
        )

    @admin.display(description="application (as submitted)")
    def application(self, obj: OnboardingApplication) -> str:
        body = onboarding_selectors.application_body(application=obj)
        return format_html("<pre>{}</pre>", json.dumps(body, indent=2, ensure_ascii=False))

    def document_download(self, request: HttpRequest, object_id: int, document_id: Any) -> FileResponse:
        """Streams a KYC file from storage to a staff member; there is no public URL for it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = OnboardingDocument.objects.filter(pk=document_id, application_id=object_id).first()
        if document is None:
            raise Http404("No such document")
        try:
            handle = default_storage.open(document.storage_name, "rb")
        except FileNotFoundError as exc:
            raise Http404("The file is no longer in storage") from exc
        audit_record(
            action=AuditAction.ONBOARDING_DOCUMENT_VIEWED,
            target=document.application,
            actor=audit_actor_for(staff_user(request)),
            data={"document_id": str(document.pk)},
        )
        response = FileResponse(
            handle, content_type=document.content_type, as_attachment=True, filename=document.original_name
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description="Approve selected applications (and their pending accounts)")
    def approve_applications(self, request: HttpRequest, queryset: QuerySet[OnboardingApplication]) -> None:
        for_each(
            self,
            request,
            queryset,
            verb="Approved",
            noun="application",
            error_label=lambda a: a.merchant_name,
            run=lambda a: onboarding_services.application_approve(
                application=a, approved_by=staff_user(request)
            ),
        )

    @admin.action(description="Decline selected applications (asks for a reason)")
    def decline_applications(
        self,
        request: HttpRequest,
        queryset: QuerySet[OnboardingApplication],
    ) -> TemplateResponse | None:
        return decline_with_reason(
            self,
            request,
            queryset,
            action_name="decline_applications",
            noun="application",
            label=lambda a: f"{a.merchant_name} — {a.reference_number}",
            decline=lambda a, reason: onboarding_services.application_decline(
                application=a, declined_by=staff_user(request), reason=reason
            ),
            error_label=lambda a: a.merchant_name,
        )
