"""Writes shared by every app: the audit trail."""

from typing import Any

from .models import AuditEvent


def audit_record(*, action: str, target: Any, actor: str = "", data: dict | None = None) -> AuditEvent:
    """Record a state change. Never put a secret in `data`."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        data=data or {},
    )
