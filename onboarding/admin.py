"""Backoffice of onboarding: the applications with their KYC documents (served to staff only),
Approve / Decline with a reason."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin_actions import decline_with_reason, for_each, staff_user
from core.audit import AuditAction, audit_actor_for
from core.errors import DomainError
from core.services import audit_record

from . import selectors as onboarding_selectors
from . import services as onboarding_services
from .documents import SNIFF_BYTES, sniff
from .models import OnboardingApplication, OnboardingDocument

REVIEWED_VERSION_FIELD = "reviewed_version"


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
        "review_version",
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
    change_form_template = "admin/onboarding/onboardingapplication/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications come from the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("account", "decided_by")

    def get_urls(self) -> list:
        download = self.admin_site.admin_view(self.document_download)
        approve = self.admin_site.admin_view(self.approve_view)
        return [
            path("<int:object_id>/approve/", approve, name="onboarding_onboardingapplication_approve"),
            path(
                "<int:object_id>/documents/<uuid:document_id>/",
                download,
                name="onboarding_onboardingapplication_document",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="version")
    def review_version(self, obj: OnboardingApplication) -> str:
        """The version this list shows, posted back with an action: approval applies to it only."""
        version = onboarding_selectors.application_version(application=obj)
        return format_html(
            '<input type="hidden" name="{}" value="{}:{}"><code>{}</code>',
            REVIEWED_VERSION_FIELD,
            obj.pk,
            version,
            version[:8],
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> Any:
        application = self.get_object(request, object_id)
        if application is not None:
            extra_context = {
                **(extra_context or {}),
                "reviewed_version_field": REVIEWED_VERSION_FIELD,
                "review_version": onboarding_selectors.application_version(application=application),
                "can_approve": self.has_approve_permission(request)
                and application.status
                in (OnboardingApplication.Status.NEW, OnboardingApplication.Status.PENDING),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """The Approve button of the change page: approves the version that page showed, or refuses."""
        if request.method != "POST":
            raise Http404
        if not self.has_approve_permission(request):
            raise PermissionDenied
        application = get_object_or_404(OnboardingApplication, pk=object_id)
        try:
            onboarding_services.application_approve(
                application=application,
                approved_by=staff_user(request),
                reviewed_version=request.POST.get(REVIEWED_VERSION_FIELD, "").partition(":")[2],
            )
        except DomainError as exc:
            self.message_user(request, f"{application.merchant_name}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"Approved {application.merchant_name}.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:onboarding_onboardingapplication_change", args=(object_id,))
        )

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
        # Type and extension come from the file's own bytes, never from the name it was uploaded
        # under: a PDF uploaded as "x.html" downloads as "<ref>-<field>.pdf", application/pdf.
        detected = sniff(handle.read(SNIFF_BYTES))
        handle.seek(0)
        mime, extension = detected or ("application/octet-stream", "bin")
        response = FileResponse(
            handle,
            content_type=mime,
            as_attachment=True,
            filename=f"{document.application.reference_number}-{document.field}.{extension}",
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("onboarding.approve_onboardingapplication")

    def has_decline_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("onboarding.decline_onboardingapplication")

    @admin.action(
        description="Approve selected applications (and their pending accounts)", permissions=["approve"]
    )
    def approve_applications(self, request: HttpRequest, queryset: QuerySet[OnboardingApplication]) -> None:
        """Approves each selected application at the version the list showed (posted with it)."""
        reviewed = dict(v.partition(":")[::2] for v in request.POST.getlist(REVIEWED_VERSION_FIELD))
        for_each(
            self,
            request,
            queryset,
            verb="Approved",
            noun="application",
            error_label=lambda a: a.merchant_name,
            run=lambda a: onboarding_services.application_approve(
                application=a, approved_by=staff_user(request), reviewed_version=reviewed.get(str(a.pk), "")
            ),
        )

    @admin.action(description="Decline selected applications (asks for a reason)", permissions=["decline"])
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
