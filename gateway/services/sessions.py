"""Opening a challenge link: spend the token, bind the challenge to this browser session.

The session keeps, per challenge, only the browser's binding secret and the pending
(encrypted) secrets of a copy being made; the challenge's progress is its `step`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from core.crypto import constant_time_equal
from customers.links import challenge_link_token_valid
from customers.models import Challenge
from customers.services import challenge_bind, challenge_finish, challenge_transition

from ..errors import ChallengeClosed, SessionRefused
from ..flows import current_step, flow_for
from ..selectors import return_url_with as return_url_with  # re-exported for views

SESSION_KEY = "gateway"


def _binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def session_state(*, session: SessionBase, challenge_id: uuid.UUID) -> dict[str, Any]:
    state: dict[str, Any] = session.get(SESSION_KEY, {}).get(str(challenge_id), {})
    return state


def session_state_update(*, session: SessionBase, challenge_id: uuid.UUID, **changes: Any) -> None:
    all_states = session.get(SESSION_KEY, {})
    state = dict(all_states.get(str(challenge_id), {}))
    state.update(changes)
    all_states[str(challenge_id)] = state
    session[SESSION_KEY] = all_states
    session.modified = True


def session_owns(*, session: SessionBase, challenge: Challenge) -> bool:
    binding = session_state(session=session, challenge_id=challenge.id).get("binding", "")
    if not binding or not challenge.session_binding:
        return False
    return constant_time_equal(_binding_hash(binding), challenge.session_binding)


@dataclass
class LinkOutcome:
    kind: str  # "ok" | "invalid" | "ended" | "used"
    challenge: Challenge | None = None


def _expire_if_due(challenge: Challenge) -> None:
    if challenge.status in Challenge.OPEN_STATUSES and challenge.effective_status == Challenge.Status.EXPIRED:
        challenge_finish(challenge=challenge, status=Challenge.Status.EXPIRED, result=None)


@transaction.atomic
def challenge_link_open(*, challenge_id: uuid.UUID, token: str, session: SessionBase) -> LinkOutcome:
    """Spend the single-use link and bind the challenge to `session` (row-locked, so only one wins)."""
    if not challenge_link_token_valid(challenge_id=challenge_id, token=token):
        return LinkOutcome("invalid")
    challenge = (
        Challenge.objects.select_for_update().select_related("customer").filter(pk=challenge_id).first()
    )
    if challenge is None:
        return LinkOutcome("invalid")
    _expire_if_due(challenge)
    if challenge.status not in Challenge.OPEN_STATUSES:
        return LinkOutcome("ended", challenge)
    if challenge.link_used_at is not None:
        # The same browser reopening its own link just continues; anyone else is refused.
        return LinkOutcome("ok" if session_owns(session=session, challenge=challenge) else "used", challenge)
    binding = secrets.token_urlsafe(32)
    challenge_bind(
        challenge=challenge,
        session_binding=_binding_hash(binding),
        step=flow_for(challenge.type).entry(challenge),
    )
    session_state_update(session=session, challenge_id=challenge.id, binding=binding)
    return LinkOutcome("ok", challenge)


def challenge_for_session(*, challenge_id: uuid.UUID, session: SessionBase, lock: bool = False) -> Challenge:
    """The open challenge this session owns, or a refusal. With lock=True, row-locked (in a
    transaction) with its customer."""
    qs = Challenge.objects.select_related("customer")
    if lock:
        qs = qs.select_for_update()
    challenge = qs.filter(pk=challenge_id).first()
    if challenge is None or not session_owns(session=session, challenge=challenge):
        raise SessionRefused()
    if challenge.effective_status not in Challenge.OPEN_STATUSES:
        raise ChallengeClosed(
            "This session has expired. Go back to the app and start again."
            if challenge.effective_status == Challenge.Status.EXPIRED
            else "This session has already ended. Go back to the app."
        )
    return challenge


def challenge_page_start(*, challenge_id: uuid.UUID, session: SessionBase) -> Challenge:
    """The session's open challenge for its page, at the entry step of its flow.

    The shard lives only in the page's memory, so a page that is loaded again has lost it:
    the flow starts again where the customer's state puts it (the PIN, or the recovery, opens
    the shard again). A first load is already there and writes nothing.
    """
    challenge = challenge_for_session(challenge_id=challenge_id, session=session)
    entry = flow_for(challenge.type).entry(challenge)
    if current_step(challenge=challenge) != entry or not challenge.step:
        challenge_transition(challenge=challenge, step=entry)
    return challenge
