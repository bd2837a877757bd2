"""The backoffice's admin site: staff sign-in with an optional (or required) TOTP second factor.

- Sign-in is throttled per user and address by django-axes (settings AXES_*): five wrong
  passwords for one username from one address lock that pair out for a while; the owner
  signing in from another address is not locked out.
- A staff session lasts one working day from sign-in (STAFF_SESSION_SECONDS), absolute, not
  sliding (see core.signals).
- Any staff member can enrol a TOTP device (django-otp) at /admin/otp/enrol/. Once enrolled,
  their sign-in always asks for the code. With STAFF_OTP_REQUIRED on, the admin serves only
  verified sessions: a staff member without a device signs in with the password and is sent
  to enrolment, and sees nothing else until the device is confirmed.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import AuditAction
from .services import audit_record


def otp_required() -> bool:
    return bool(getattr(settings, "STAFF_OTP_REQUIRED", False))


def _must_verify(user: Any) -> bool:
    """A second factor is asked of everyone when required, and always of the enrolled."""
    return otp_required() or user_has_device(user)


class StaffAuthenticationForm(OTPAdminAuthenticationForm):
    """Password, then the TOTP code for staff who have a device (django-otp checks and throttles it)."""

    def _chosen_device(self, user: Any) -> Any:
        """The device the form names, else the user's one TOTP device (staff enrol one only)."""
        chosen = super()._chosen_device(user)
        if chosen is None:
            chosen = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
        return chosen

    def clean(self) -> dict[str, Any]:
        self.cleaned_data = AdminAuthenticationForm.clean(self)
        user = self.get_user()
        if user is not None and user_has_device(user):
            self.clean_otp(user)
        return self.cleaned_data


class StaffAdminSite(AdminSite):
    login_form = StaffAuthenticationForm
    login_template = "otp/admin111/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # django-otp's middleware adds is_verified() to every request.user.
        return not _must_verify(request.user) or request.user.is_verified()  # type: ignore[union-attr]

    def _needs_enrolment(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and otp_required() and not user_has_device(user))

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET" and request.user.is_authenticated and self._needs_enrolment(request):
            return HttpResponseRedirect(reverse(f"{self.name}:otp_enrol"))
        return super().login(request, extra_context)

    def get_urls(self) -> list:
        return [path("otp/enrol/", self.otp_enrol, name="otp_enrol"), *super().get_urls()]

    @method_decorator(never_cache)
    def otp_enrol(self, request: HttpRequest) -> HttpResponse:
        """Enrol a TOTP device: show its key once, confirm it with a first code."""
        return _otp_enrol(self, request)


def _otp_enrol(site: StaffAdminSite, request: HttpRequest) -> HttpResponse:
    """CSRF is checked by the middleware (every POST of the site)."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return HttpResponseRedirect(reverse(f"{site.name}:login") + "?next=" + request.path)
    if user_has_device(user):
        messages.info(request, "A second factor is already enrolled for your account.")
        return HttpResponseRedirect(reverse(f"{site.name}:index"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    error = ""
    if request.method == "POST":
        token = (request.POST.get("otp_token") or "").strip()
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            error = "Too many wrong codes in a row: wait a few seconds, then enter the current code."
        elif token.isdigit() and device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(action=AuditAction.STAFF_OTP_ENROLLED, target=user, actor=user)
            messages.success(request, "Second factor enrolled: sign-in now asks for its code.")
            return HttpResponseRedirect(reverse(f"{site.name}:index"))
        else:
            error = "That code is not valid. Check the clock of the device and try the current code."
    context = {
        **site.each_context(request),
        "title": "Enrol a second factor",
        "config_url": device.config_url,
        "key": _base32(device.bin_key),
        "error": error,
        "required": otp_required(),
    }
    response = TemplateResponse(request, "admin/core/otp_enrol.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")
