"""Admin for organizations, API keys, customers and challenges (read-only where invariants live)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest

from .models import ApiKey, Challenge, Customer, Organization, RedirectOrigin
from .selectors import CUSTOMER_BODY_FIELDS
from .services import InvalidOrigin, api_key_create, api_key_revoke, redirect_origin_normalize


class RedirectOriginForm(forms.ModelForm):
    class Meta:
        model = RedirectOrigin
        fields = ["origin"]

    def clean_origin(self) -> str:
        try:
            return redirect_origin_normalize(self.cleaned_data["origin"])
        except InvalidOrigin as exc:
            raise forms.ValidationError(str(exc)) from exc


class RedirectOriginInline(admin.TabularInline):
    model = RedirectOrigin
    form = RedirectOriginForm
    extra = 1


API_KEY_FIELDS = ("prefix", "name", "kind", "created_at", "last_used_at", "revoked_at")


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = API_KEY_FIELDS
    readonly_fields = API_KEY_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "customer_count", "created_at"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "customer_count", "created_at"]
    inlines = [RedirectOriginInline, ApiKeyInline]


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["organization", "name", "kind"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "organization", "name", "kind", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "organization__name"]
    actions = ["revoke_keys"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "kind"]
        return [
            "organization",
            "name",
            "kind",
            "prefix",
            "key_hash",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Key material and lifecycle are never edited; revoke with the action instead.
        return ["organization", "kind", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            ApiKey.objects.filter(pk=obj.pk).update(name=obj.name)
            return
        api_key, raw = api_key_create(
            organization=obj.organization, kind=obj.kind, name=obj.name, actor=f"admin:{request.user}"
        )
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = (
            api_key.pk,
            api_key.prefix,
            api_key.key_hash,
            api_key.created_at,
        )
        obj._state.adding = False
        messages.warning(
            request,
            f"New {api_key.kind} API key (shown once, copy it now; it cannot be shown again): {raw}",
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the audit trail keeps pointing at the key

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.revoke_apikey")

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset) -> None:
        count = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key, actor=f"admin:{request.user}")
            count += 1
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)


CHALLENGE_FIELDS = ("id", "type", "status", "expires_at", "created_at", "completed_at")


class ChallengeInline(admin.TabularInline):
    model = Challenge
    fields = CHALLENGE_FIELDS
    readonly_fields = CHALLENGE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# The customer's API body columns (one list: a lock field added there shows here too), with
# its organization after the id.
CUSTOMER_FIELDS = ("id", "organization", *(f for f in CUSTOMER_BODY_FIELDS if f != "id"))


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["ref_id", "name", "organization", "has_pin", "has_recovery", "created_at"]
    list_filter = ["has_pin", "has_recovery"]
    search_fields = ["ref_id", "id"]
    list_select_related = ["organization"]
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    fields = CUSTOMER_FIELDS
    readonly_fields = tuple(f for f in CUSTOMER_FIELDS if f != "name")
    inlines = [ChallengeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers come from the API, which keeps the organization's counter

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "status", "customer", "organization", "expires_at", "created_at"]
    list_filter = ["type", "status"]
    search_fields = ["id", "customer__ref_id"]
    list_select_related = ["customer", "organization"]
    show_full_result_count = False
    # Django 6's default for URL form fields, without 5.2's deprecation warning.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
