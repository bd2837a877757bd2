"""Staff sign-in: a session that ends one working day after sign-in, and lock-outs audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from .audit import AuditAction, SystemActor
from .models import AuditEvent
from .net import client_ip
from .services import audit_record


def staff_session_expiry(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """An absolute expiry (a datetime, not an idle age): activity does not extend the session."""
    if request is not None and getattr(user, "is_staff", False):
        request.session.set_expiry(timezone.now() + timedelta(seconds=settings.STAFF_SESSION_SECONDS))


def staff_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    """django-axes locked a username+address pair out: one audit row on the user, if it exists."""
    user = get_user_model().objects.filter(username=username or "").first()
    if user is None:
        return
    address = client_ip(request) if request is not None else ""
    # django-axes signals again for each attempt refused during the lock: one row per lock.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if AuditEvent.objects.filter(
        action=AuditAction.STAFF_SIGN_IN_LOCKED,
        target_id=str(user.pk),
        data__ip_address=address,
        created_at__gte=since,
    ).exists():
        return
    audit_record(
        action=AuditAction.STAFF_SIGN_IN_LOCKED,
        target=user,
        actor=SystemActor.NONE,
        data={"ip_address": address, "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
    )
