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
from django.utils.translation import gettext as _

from core.crypto import constant_time_equal
from customers.links import challenge_link_token_valid
from customers.models import Challenge, Customer
from customers.services import challenge_bind, challenge_finish, challenge_transition

from ..errors import ChallengeClosed, SessionRefused
from ..flows import PIN_ENTER, current_step, flow_for
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
    # "ok" (bound to this session) | "unspent" (valid, open, not spent: spend=False left it so)
    # | "invalid" | "ended" | "used" (spent by another session)
    kind: str
    challenge: Challenge | None = None


def _expire_if_due(challenge: Challenge) -> None:
    if challenge.status in Challenge.OPEN_STATUSES and challenge.effective_status == Challenge.Status.EXPIRED:
        challenge_finish(challenge=challenge, status=Challenge.Status.EXPIRED, result=None)


@transaction.atomic
def challenge_link_open(
    *, challenge_id: uuid.UUID, token: str, session: SessionBase, spend: bool = True
) -> LinkOutcome:
    """Spend the single-use link and bind the challenge to `session` (row-locked, so only one wins).

    With spend=False (the link's GET: a browser without JavaScript, a link previewer) nothing
    is spent: an unspent open challenge answers "unspent" and stays as it was.
    """
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
    if not spend:
        return LinkOutcome("unspent", challenge)
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
    qs = Challenge.objects.select_related("customer", "organization")
    if lock:
        qs = qs.select_for_update()
    challenge = qs.filter(pk=challenge_id).first()
    if challenge is None or not session_owns(session=session, challenge=challenge):
        raise SessionRefused()
    if challenge.effective_status not in Challenge.OPEN_STATUSES:
        raise ChallengeClosed(
            _("This session has expired. Go back to the app and start again.")
            if challenge.effective_status == Challenge.Status.EXPIRED
            else _("This session has already ended. Go back to the app.")
        )
    return challenge


PIN_LOCKED_REASON = "PIN_LOCKED"


def challenge_page_start(*, challenge_id: uuid.UUID, session: SessionBase) -> Challenge:
    """The session's open challenge for its page, at the entry step of its flow.

    The shard lives only in the page's memory, so a page that is loaded again has lost it:
    the flow starts again where the customer's state puts it (the PIN, or the recovery, opens
    the shard again). A first load is already there and writes nothing.

    A flow that opens with the PIN cannot go on while the PIN is locked: the challenge fails
    at once with the reason a lock on the page gives (``PIN_LOCKED``), so the page says so up
    front instead of after the user types the PIN. The caller sees it no longer open.
    """
    challenge = challenge_for_session(challenge_id=challenge_id, session=session)
    entry = flow_for(challenge.type).entry(challenge)
    if entry == PIN_ENTER and challenge.customer.pin_status == Customer.PinStatus.LOCKED:
        return _challenge_stop_locked(challenge_id=challenge_id, session=session)
    if current_step(challenge=challenge) != entry or not challenge.step:
        challenge_transition(challenge=challenge, step=entry)
    return challenge


@transaction.atomic
def _challenge_stop_locked(*, challenge_id: uuid.UUID, session: SessionBase) -> Challenge:
    challenge = challenge_for_session(challenge_id=challenge_id, session=session, lock=True)
    challenge_finish(
        challenge=challenge, status=Challenge.Status.FAILED, result={"reason": PIN_LOCKED_REASON}
    )
    return challenge
