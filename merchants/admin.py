"""Backoffice of merchants: API clients, the pending-account queue with Approve/Decline, approved
merchants and branches."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from core.admin_actions import decline_with_reason, for_each, staff_user

from . import services
from .models import (
    Account,
    ApiClient,
    Branch,
    MerchantAccount,
    PendingAccount,
)


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

    def has_disable_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.disable_apiclient")

    @admin.action(
        description="Disable selected API clients (their tokens stop working)", permissions=["disable"]
    )
    def disable_clients(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            services.api_client_disable(client=client, actor=staff_user(request))
        self.message_user(request, f"Disabled {queryset.count()} client(s).", messages.SUCCESS)


class _AccountAdminBase(admin.ModelAdmin):
    list_display: tuple[str, ...] = (
        "username",
        "full_name",
        "email",
        "phone",
        "status",
        "branch",
        "created_at",
    )
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
    actions: tuple[str, ...] = ("approve_accounts", "decline_accounts")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts come from the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("branch", "merchant", "decided_by")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.approve_account")

    def has_decline_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.decline_account")

    @admin.action(description="Approve selected accounts (creates their branches)", permissions=["approve"])
    def approve_accounts(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for_each(
            self,
            request,
            queryset,
            verb="Approved",
            noun="account",
            error_label=lambda a: a.username,
            run=lambda a: services.account_approve(account=a, approved_by=staff_user(request)),
        )

    @admin.action(description="Decline selected accounts (asks for a reason)", permissions=["decline"])
    def decline_accounts(self, request: HttpRequest, queryset: QuerySet[Account]) -> TemplateResponse | None:
        return decline_with_reason(
            self,
            request,
            queryset,
            action_name="decline_accounts",
            noun="account",
            label=lambda a: f"{a.username} — {a.full_name}",
            decline=lambda a, reason: services.account_decline(
                account=a, declined_by=staff_user(request), reason=reason
            ),
            error_label=lambda a: a.username,
        )


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
