"""Finishing a challenge: at its flow's last step it verifies with the row's result."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, SystemActor
from core.services import audit_record
from customers.models import Challenge
from customers.services import challenge_finish

from ..errors import GatewayErrorCode, StepOutOfOrder
from ..flows import flow_for
from .sessions import challenge_for_session, return_url_with
from .steps import step_challenge


@transaction.atomic
def challenge_complete(*, challenge_id: uuid.UUID, session: SessionBase) -> str:
    """Mark the challenge verified once every step is done; returns where the browser goes next."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="complete", lock=True)
    result = flow_for(challenge.type).result(challenge)
    challenge_finish(challenge=challenge, status=Challenge.Status.VERIFIED, result=result)
    return return_url_with(challenge=challenge, status=Challenge.Status.VERIFIED)


def _challenge_fail_by_user(*, challenge: Challenge, reason: str) -> None:
    """The user stopped the challenge on the page: it fails with `reason` (and its
    challenge.failed webhook, like any failure), audited as gateway.challenge_<reason>."""
    challenge_finish(challenge=challenge, status=Challenge.Status.FAILED, result={"reason": reason})
    audit_record(
        action=AuditAction(f"gateway.challenge_{reason}"),
        target=challenge,
        actor=SystemActor.GATEWAY,
        data={"type": challenge.type, "customer": str(challenge.customer_id), "step": challenge.step},
    )


@transaction.atomic
def challenge_decline(*, challenge_id: uuid.UUID, session: SessionBase) -> str:
    """The user declined on the page (a row with declinable=True, at any step): the challenge
    fails with result.reason "declined"; returns where the browser goes next."""
    challenge = challenge_for_session(challenge_id=challenge_id, session=session, lock=True)
    if not flow_for(challenge.type).declinable:
        raise StepOutOfOrder(_("This session cannot be declined here."), code=GatewayErrorCode.NOT_DECLINABLE)
    _challenge_fail_by_user(challenge=challenge, reason="declined")
    return return_url_with(challenge=challenge, status=Challenge.Status.FAILED)


CANCELLED = "cancelled"


@transaction.atomic
def challenge_cancel(*, challenge_id: uuid.UUID, session: SessionBase) -> Challenge:
    """The user cancelled (the cancel link of every flow, at any step): the challenge fails with
    result.reason "cancelled"; the browser goes back with status=cancelled. Refused
    (ChallengeClosed) once the challenge is no longer open, SessionRefused for another session."""
    challenge = challenge_for_session(challenge_id=challenge_id, session=session, lock=True)
    _challenge_fail_by_user(challenge=challenge, reason=CANCELLED)
    return challenge
