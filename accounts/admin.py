"""Backoffice: API clients, the pending-account queue with Approve/Decline, merchants, branches,
and the onboarding applications with their KYC documents (Approve / Decline with a reason)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.errors import DomainError
from core.services import audit_record

from . import services
from .models import (
    Account,
    ApiClient,
    Branch,
    MerchantAccount,
    OnboardingApplication,
    OnboardingDocument,
    PendingAccount,
)
from .onboarding import selectors as onboarding_selectors
from .onboarding import services as onboarding_services


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "is_enabled", "created_at", "disabled_at")
    list_filter = ("is_enabled",)
    search_fields = ("name", "client_id")
    fields = ("name", "client_id", "is_enabled", "created_at", "disabled_at")
    readonly_fields = ("client_id", "is_enabled", "created_at", "disabled_at")
    actions = ("disable_clients",)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiClient | None = None) -> Any:
        return ("name", *self.readonly_fields) if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # disable instead: accounts keep pointing at their client

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return  # nothing editable: name and credentials are fixed, disabling is an action
        client, secret = services.api_client_create(name=obj.name)
        obj.pk, obj.client_id, obj.created_at = client.pk, client.client_id, client.created_at
        obj._state.adding = False
        # The secret is only ever shown here, once; it is stored as a hash.
        messages.warning(
            request,
            f"clientId={client.client_id} clientSecret={secret} — copy the secret now, "
            "it is not stored and will not be shown again.",
        )

    @admin.action(description="Disable selected API clients (their tokens stop working)")
    def disable_clients(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            services.api_client_disable(client=client, actor=f"staff:{request.user.get_username()}")
        self.message_user(request, f"Disabled {queryset.count()} client(s).", messages.SUCCESS)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text="Shown to the account holder.",
    )


class _AccountAdminBase(admin.ModelAdmin):
    list_display = ("username", "full_name", "email", "phone", "status", "branch", "created_at")
    search_fields = ("username", "email", "first_name", "last_name")
    fields = (
        "username",
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "phone",
        "merchant",
        "status",
        "branch",
        "declined_reason",
        "decided_by",
        "decided_at",
        "api_client",
        "password_changed_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ("approve_accounts", "decline_accounts")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts come from the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("branch", "merchant", "decided_by")

    @admin.action(description="Approve selected accounts (creates their branches)")
    def approve_accounts(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for_each(
            self,
            request,
            queryset,
            verb="Approved",
            noun="account",
            error_label=lambda a: a.username,
            run=lambda a: services.account_approve(account=a, approved_by=request.user),
        )

    @admin.action(description="Decline selected accounts (asks for a reason)")
    def decline_accounts(self, request: HttpRequest, queryset: QuerySet[Account]) -> TemplateResponse | None:
        return decline_with_reason(
            self,
            request,
            queryset,
            action_name="decline_accounts",
            noun="account",
            label=lambda a: f"{a.username} — {a.full_name}",
            decline=lambda a, reason: services.account_decline(
                account=a, declined_by=request.user, reason=reason
            ),
            error_label=lambda a: a.username,
        )


def for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    verb: str,
    noun: str,
    run: Callable[[Any], Any],
    error_label: Callable[[Any], str],
) -> None:
    """Run a service on each selected row; a refused row is reported and the others still run."""
    done = 0
    for obj in queryset:
        try:
            run(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{error_label(obj)}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{verb} {done} {noun}(s).", messages.SUCCESS)


def decline_with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action_name: str,
    noun: str,
    label: Callable[[Any], str],
    decline: Callable[[Any, str], Any],
    error_label: Callable[[Any], str],
) -> TemplateResponse | None:
    """An admin action that first asks for the reason (shown to the holder), then declines each."""
    form = DeclineForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        reason = form.cleaned_data["reason"]
        for_each(
            modeladmin,
            request,
            queryset,
            verb="Declined",
            noun=noun,
            error_label=error_label,
            run=lambda obj: decline(obj, reason),
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Decline {noun}s",
        "intro": f"Decline these {noun}s? The reason is shown to the account holder.",
        "opts": modeladmin.model._meta,
        "items": [(obj.pk, label(obj)) for obj in queryset],
        "form": form,
        "action_name": action_name,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/accounts/decline_reason.html", context)


@admin.register(Account)
class AccountAdmin(_AccountAdminBase):
    list_filter = ("status", "created_at")


@admin.register(PendingAccount)
class PendingAccountAdmin(_AccountAdminBase):
    """The approval queue: pending accounts, oldest first."""

    ordering = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status=Account.Status.PENDING)


@admin.register(MerchantAccount)
class MerchantAccountAdmin(_AccountAdminBase):
    """Merchants the backoffice works with: approved accounts only."""

    list_display = ("username", "full_name", "branch", "merchant", "decided_by", "decided_at")
    actions = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status=Account.Status.APPROVED)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    """Branches of approved accounts only."""

    list_display = ("name", "merchant", "account", "created_at")
    search_fields = ("name",)
    readonly_fields = ("name", "merchant", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("merchant", "account")
            .filter(account__status=Account.Status.APPROVED)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # branches are made by approval

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
                name="accounts_onboardingapplication_document",
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
                reverse("admin:accounts_onboardingapplication_document", args=(obj.pk, d.pk)),
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
            action="onboarding.document_viewed",
            target=document.application,
            actor=f"staff:{request.user.get_username()}",
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
            run=lambda a: onboarding_services.application_approve(application=a, approved_by=request.user),
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
                application=a, declined_by=request.user, reason=reason
            ),
            error_label=lambda a: a.merchant_name,
        )
