"""The flows table at work: a step handler gets its challenge only at its own step, and moves it on."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase

from customers.models import Challenge
from customers.services import challenge_transition

from ..errors import StepOutOfOrder
from ..flows import current_step, flow_for
from .sessions import challenge_for_session


def step_challenge(
    *, challenge_id: uuid.UUID, session: SessionBase, action: str, lock: bool = False
) -> Challenge:
    """The session's open challenge, if its flow serves `action` at the challenge's current
    step; otherwise the table's refusal (409). With lock=True, the challenge and its customer
    are row-locked for the caller's transaction."""
    challenge = challenge_for_session(challenge_id=challenge_id, session=session, lock=lock)
    refusal = flow_for(challenge.type).refusal(current=current_step(challenge=challenge), action=action)
    if refusal is not None:
        raise StepOutOfOrder(str(refusal.message), code=refusal.code)
    return challenge


def step_done(*, challenge: Challenge) -> str:
    """The challenge's current step is finished: it moves to the step its flow says follows."""
    following = flow_for(challenge.type).following(current_step(challenge=challenge))
    challenge_transition(challenge=challenge, step=following)
    return following
