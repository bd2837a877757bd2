"""Writes shared by every app: the audit trail."""

from typing import Any

from .audit import Actor, AuditAction, audit_actor_for
from .models import AuditEvent


def audit_record(
    *, action: AuditAction | str, target: Any, actor: Actor | str = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Record a state change. Never put a secret in `data`.

    `action` is a member of core.audit.AuditAction; `actor` is whoever acted (a staff user, an
    app's acting object, a SystemActor), written by `audit_actor_for`. A ready-made actor
    string is still accepted from callers that build their own.
    """
    return AuditEvent.objects.create(
        action=str(action),
        actor=actor if isinstance(actor, str) else audit_actor_for(actor),
        target_type=type(target).__name__,
        target_id=str(target.pk),
        data=data or {},
    )
