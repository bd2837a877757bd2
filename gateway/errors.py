"""The gateway's domain errors and its JSON error body: {"success": false, "message", "code"}."""

from typing import Any

from core.errors import Conflict, DomainError, Forbidden, Problem


class ChallengeClosed(DomainError):
    status_code = 410
    code = "challenge_closed"
    default_message = "This session has ended. Go back to the app and start again."


class StepOutOfOrder(Conflict):
    code = "step_out_of_order"
    default_message = "This step is not available yet."


class WrongSecret(Forbidden):
    code = "wrong_secret"
    default_message = "That is not correct."


class Locked(DomainError):
    status_code = 423
    code = "locked"
    default_message = "Too many wrong attempts. Try again in 30 minutes."


class SessionRefused(Forbidden):
    code = "session_refused"
    default_message = "This session belongs to another browser. Open the link from the app again."


def render_gateway_error(problem: Problem) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "message": problem.message, "code": problem.code}
    if problem.errors:
        body["errors"] = problem.errors
    return body
