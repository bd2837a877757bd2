"""Finishing a challenge: at its flow's last step it verifies with the row's result."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from customers.models import Challenge
from customers.services import challenge_finish

from ..flows import flow_for
from .sessions import return_url_with
from .steps import step_challenge


@transaction.atomic
def challenge_complete(*, challenge_id: uuid.UUID, session: SessionBase) -> str:
    """Mark the challenge verified once every step is done; returns where the browser goes next."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="complete", lock=True)
    result = flow_for(challenge.type).result(challenge)
    challenge_finish(challenge=challenge, status=Challenge.Status.VERIFIED, result=result)
    return return_url_with(challenge=challenge, status=Challenge.Status.VERIFIED)
