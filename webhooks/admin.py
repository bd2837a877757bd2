"""Admin for webhook endpoints (create, edit, rotate, test) and the delivery log (re-send)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.errors import DomainError

from . import services
from .events import SUBSCRIBABLE_EVENTS
from .models import Attempt, Delivery, Endpoint


def _staff(request: HttpRequest) -> AbstractBaseUser:
    """The staff user acting (the admin site only lets logged-in staff this far)."""
    if not isinstance(request.user, AbstractBaseUser):
        raise PermissionDenied
    return request.user


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in SUBSCRIBABLE_EVENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None selected: every event.",
    )

    class Meta:
        model = Endpoint
        fields = ["organization", "url", "events", "description", "enabled"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns
        # The same rules as the API (https, no private address, known events), from the service.
        try:
            if "url" in cleaned and (self.instance.pk is None or cleaned["url"] != self.instance.url):
                services.endpoint_url_validate(url=cleaned["url"])
            services.endpoint_events_validate(events=cleaned.get("events") or [])
        except DomainError as exc:
            for field, problems in (exc.errors or {}).items():
                self.add_error(field if field in self.fields else None, problems)
        return cleaned


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "organization", "enabled", "disabled_reason", "failing_since", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "id", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["id", "disabled_reason", "failing_since", "previous_secret_expires_at", "created_at"]
    actions = ["rotate_secrets", "send_test_events"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "organization"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        actor = request.user
        data = form.cleaned_data
        if change:
            services.endpoint_update(
                endpoint=obj,
                url=data["url"],
                events=data.get("events") or [],
                description=data.get("description") or "",
                enabled=data["enabled"],
                actor=actor,
            )
            return
        endpoint, secret = services.endpoint_create(
            organization=data["organization"],
            url=data["url"],
            events=data.get("events") or [],
            description=data.get("description") or "",
            enabled=data["enabled"],
            actor=actor,
        )
        obj.pk, obj.created_at = endpoint.pk, endpoint.created_at
        obj._state.adding = False
        messages.warning(request, f"Signing secret (shown once, copy it now): {secret}")

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_delete(endpoint=endpoint, actor=request.user)

    @admin.action(
        description="Rotate the signing secret (the old one signs for 24 h more)", permissions=["change"]
    )
    def rotate_secrets(self, request: HttpRequest, queryset) -> None:
        for endpoint in queryset:
            _, secret = services.endpoint_rotate_secret(endpoint=endpoint, actor=_staff(request))
            messages.warning(request, f"New signing secret for {endpoint.url} (shown once): {secret}")

    @admin.action(description="Send a webhook.test event", permissions=["change"])
    def send_test_events(self, request: HttpRequest, queryset) -> None:
        sent = 0
        for endpoint in queryset.filter(enabled=True):
            services.endpoint_test(endpoint=endpoint, actor=_staff(request))
            sent += 1
        self.message_user(request, f"Queued {sent} test event(s).", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "started_at", "succeeded", "status_code", "error", "latency_ms", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["number"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_name",
        "endpoint",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__name"]
    search_fields = ["id", "event__id", "endpoint__url"]
    list_select_related = ["event", "endpoint"]
    show_full_result_count = False
    fields = (
        "id",
        "endpoint",
        "event",
        "status",
        "attempt_count",
        "next_attempt_at",
        "window_started_at",
        "created_at",
        "completed_at",
    )
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.display(description="event")
    def event_name(self, obj: Delivery) -> str:
        return obj.event.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.resend_delivery")

    @admin.action(
        description="Re-send selected deliveries (not those that succeeded)", permissions=["resend"]
    )
    def resend(self, request: HttpRequest, queryset) -> None:
        sent = skipped = 0
        for delivery in queryset:
            if delivery.status == Delivery.Status.SUCCEEDED:
                skipped += 1
                continue
            services.delivery_retry(delivery=delivery, actor=_staff(request))
            sent += 1
        self.message_user(
            request, f"Queued {sent} delivery(ies) again; {skipped} already succeeded.", messages.SUCCESS
        )
