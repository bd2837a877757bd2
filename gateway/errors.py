"""The gateway's domain errors with their codes, and its JSON error body {"success", "message", "code"}."""

import enum
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, Forbidden, Problem


class GatewayErrorCode(enum.StrEnum):
    """Every `code` a gateway JSON step can answer with (the page's script reads some)."""

    INVALID = "invalid"
    CSRF_FAILED = "csrf_failed"
    SESSION_REFUSED = "session_refused"
    CHALLENGE_CLOSED = "challenge_closed"
    STEP_OUT_OF_ORDER = "step_out_of_order"
    # Refusals of the flows table (gateway/flows.py), by step.
    PIN_FIRST = "pin_first"
    PIN_ALREADY_SET = "pin_already_set"
    PIN_NOT_NEEDED = "pin_not_needed"
    RECOVERY_FIRST = "recovery_first"
    RECOVERY_ALREADY_SET = "recovery_already_set"
    RESTORE_FIRST = "restore_first"
    RESTORE_DONE = "restore_done"
    WALLET_FIRST = "wallet_first"
    WALLET_DONE = "wallet_done"
    SIGN_FIRST = "sign_first"
    SIGN_DONE = "sign_done"
    EXPORT_FIRST = "export_first"
    EXPORT_DONE = "export_done"
    NOT_DECLINABLE = "not_declinable"
    # Secrets and their counters.
    WRONG_SECRET = "wrong_secret"  # noqa: S105 - an error code, not a secret
    WRONG_PIN = "wrong_pin"
    WRONG_ANSWERS = "wrong_answers"
    WRONG_CODE = "wrong_code"
    LOCKED = "locked"
    # Scheme v2 (OPRF) evaluations.
    INVALID_ELEMENT = "invalid_element"
    EVALUATION_UNKNOWN = "evaluation_unknown"
    EVALUATION_USED = "evaluation_used"
    SCHEME_MISMATCH = "scheme_mismatch"
    OPRF_KEY_RETIRED = "oprf_key_retired"
    UPGRADE_FIRST = "upgrade_first"
    # Recovery material.
    NO_QUESTIONS = "no_questions"
    NO_EMAIL = "no_email"
    NO_CODE = "no_code"
    CODE_EXPIRED = "code_expired"
    CODE_EXHAUSTED = "code_exhausted"
    RATE_LIMITED = "rate_limited"


Code = GatewayErrorCode


class ChallengeClosed(DomainError):
    status_code = 410
    code = Code.CHALLENGE_CLOSED
    default_message = _("This session has ended. Go back to the app and start again.")


class StepOutOfOrder(Conflict):
    code = Code.STEP_OUT_OF_ORDER
    default_message = _("This step is not available yet.")


class WrongSecret(Forbidden):
    code = Code.WRONG_SECRET
    default_message = _("That is not correct.")


class Locked(DomainError):
    status_code = 423
    code = Code.LOCKED
    default_message = _("Too many wrong attempts. Try again in 30 minutes.")


class SessionRefused(Forbidden):
    code = Code.SESSION_REFUSED
    default_message = _("This session belongs to another browser. Open the link from the app again.")


def render_gateway_error(problem: Problem) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "message": problem.message, "code": str(problem.code)}
    if problem.errors:
        body["errors"] = problem.errors
    return body
