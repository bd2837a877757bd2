"""Gateway reads: what a session page needs to start (no secret in any of it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils import timezone

from customers.models import Challenge, Customer

from . import scheme
from .flows import current_step, flow_for
from .models import SCHEME_VERSION, EmailRecovery, PinCredential, QuestionRecovery
from .questions import QUESTIONS, REQUIRED_QUESTIONS


def return_url_with(*, challenge: Challenge, status: str) -> str:
    """The integrator's returnUrl with challengeId and status added, its own query kept."""
    parts = urlsplit(challenge.return_url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("challengeId", "status")
    ]
    query += [("challengeId", str(challenge.id)), ("status", status)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def pin_locked_until(*, customer: Customer) -> datetime | None:
    """Until when the customer's PIN is locked, or None when it is not."""
    return customer.pin_locked_until if customer.pin_status == Customer.PinStatus.LOCKED else None


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(1, len(local) - 1)}@{domain}"


def challenge_page_context(*, challenge: Challenge) -> dict[str, Any]:
    """The flow's template, its steps and the current one, and the public parameters (salts,
    question ids) for a session page."""
    customer = challenge.customer
    flow = flow_for(challenge.type)
    pin = PinCredential.objects.filter(customer=customer).first()
    questions = QuestionRecovery.objects.filter(customer=customer).first()
    email = EmailRecovery.objects.filter(customer=customer).first()
    step = current_step(challenge=challenge)
    return {
        "template": flow.template,
        "challenge": challenge,
        "customer": customer,
        "step": step,
        "flow_json": json.dumps({"type": challenge.type, "step": step, "steps": flow.page_steps()}),
        "scheme_version": SCHEME_VERSION,
        "pin_salt": scheme.encode(bytes(pin.salt)) if pin and customer.has_pin else "",
        # Which scheme each stored copy was made with: the page unlocks v1 and v2 differently.
        "pin_scheme": pin.scheme_version if pin and customer.has_pin else "",
        "questions_scheme": questions.scheme_version if questions else "",
        "question_choices": list(QUESTIONS.items()),
        "required_questions": REQUIRED_QUESTIONS,
        "restore_questions": ([(qid, QUESTIONS[qid]) for qid in questions.question_ids] if questions else []),
        "restore_questions_salt": scheme.encode(bytes(questions.salt)) if questions else "",
        "restore_email": mask_email(email.email) if email else "",
        "expires_in": max(0, int((challenge.expires_at - timezone.now()).total_seconds())),
        "return_failed": return_url_with(challenge=challenge, status=Challenge.Status.FAILED),
        # The way back while the page is open (the challenge stays in progress in this browser)
        # and once its time has run out on the page.
        "return_in_progress": return_url_with(challenge=challenge, status=Challenge.Status.IN_PROGRESS),
        "return_expired": return_url_with(challenge=challenge, status=Challenge.Status.EXPIRED),
        "pin_locked": customer.pin_status == customer.PinStatus.LOCKED,
        **flow.page_context(challenge),
    }
