"""Finishing a challenge: verified, with its result, and the integrator's return address."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from core.services import audit_record
from customers.models import Challenge, Customer

from ..errors import StepOutOfOrder
from .sessions import challenge_for_session, return_url_with, session_state


@transaction.atomic
def challenge_complete(*, challenge_id: uuid.UUID, session: SessionBase) -> str:
    """Mark the challenge verified once every step is done; returns where the browser goes next."""
    challenge = challenge_for_session(challenge_id=challenge_id, session=session, lock=True)
    state = session_state(session=session, challenge_id=challenge.id)
    customer = Customer.objects.get(pk=challenge.customer_id)
    if challenge.type == Challenge.Type.INITIALIZE:
        if not (customer.has_pin and state.get("pin_ok")):
            raise StepOutOfOrder("Choose your PIN first.", code="pin_first")
        if not customer.has_recovery:
            raise StepOutOfOrder("Set up recovery before finishing.", code="recovery_first")
    elif not (state.get("restored") and state.get("pin_set_here")):
        raise StepOutOfOrder("Unlock your recovery copy and choose a new PIN first.", code="restore_first")
    challenge.status = Challenge.Status.VERIFIED
    challenge.completed_at = timezone.now()
    challenge.result = {
        "hasPin": customer.has_pin,
        "hasRecovery": customer.has_recovery,
        "recoveryMethods": list(customer.recovery_methods or []),
        "pinStatus": customer.pin_status,
    }
    challenge.save(update_fields=["status", "completed_at", "result"])
    audit_record(
        action="gateway.challenge_verified",
        target=challenge,
        actor="gateway",
        data={"type": challenge.type, "customer": str(customer.id)},
    )
    return return_url_with(challenge=challenge, status=Challenge.Status.VERIFIED)
