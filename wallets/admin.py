"""Wallets in the admin, read-only: keys and wallets change only through the gateway's challenges."""

from django.contrib import admin
from django.http import HttpRequest

from .models import CustomerKey, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = [
        "address",
        "blockchain",
        "customer",
        "organization",
        "key_index",
        "exported",
        "created_at",
    ]
    list_filter = ["blockchain", "exported", "state"]
    search_fields = ["address", "ref_id", "name", "customer__ref_id", "id"]
    list_select_related = ["customer", "organization"]
    show_full_result_count = False  # no COUNT(*) over millions of wallets per page view
    raw_id_fields = ["customer", "organization", "challenge"]


@admin.register(CustomerKey)
class CustomerKeyAdmin(ReadOnlyAdmin):
    list_display = ["customer", "public_key_hex", "next_index", "created_at"]
    fields = ("customer", "scheme_version", "public_key_hex", "next_index", "created_at")
    readonly_fields = fields
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]

    @admin.display(description="Joint public key")
    def public_key_hex(self, obj: CustomerKey) -> str:
        return "0x" + bytes(obj.public_key).hex()
