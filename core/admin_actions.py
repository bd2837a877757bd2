"""Admin actions shared by every app's backoffice: run a service on each selected row, and
decline with a reason (a form first, then the service on each row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .errors import DomainError


def staff_user(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in staff member behind an admin request (the admin site lets no one else in)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        raise PermissionDenied
    return user


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text="Shown to the account holder.",
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
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/core/decline_reason.html", context)
