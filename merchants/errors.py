"""Errors of merchants: the codes (one enum), the domain errors the services raise, and the merchant
API's NestJS-style error bodies {"statusCode", "message", "error"}.

The merchant API surface (/v2/auth/, /v2/account, /v2/onboard) renders any exception with
`render_nest_error` (registered in apps.py); the code is for logs, the admin and tests, the
NestJS body carries only the status and the message.
"""

from enum import StrEnum
from http import HTTPStatus
from typing import Any

from core.errors import Conflict, DomainError, Forbidden, Problem


class MerchantErrorCode(StrEnum):
    USERNAME_NOT_AVAILABLE = "username_not_available"
    DATABASE_ERROR = "database_error"
    PASSWORD_EXPIRED = "password_expired"  # noqa: S105 (an error code)
    ACCOUNT_NOT_PENDING = "account_not_pending"
    REASON_REQUIRED = "reason_required"


class UsernameNotAvailable(DomainError):
    code = MerchantErrorCode.USERNAME_NOT_AVAILABLE
    default_message = "Username is not available"


class AccountSaveFailed(DomainError):
    code = MerchantErrorCode.DATABASE_ERROR
    default_message = "Failed to save the account to the database"


class PasswordExpired(Forbidden):
    code = MerchantErrorCode.PASSWORD_EXPIRED
    default_message = "Password expired"


class AccountNotPending(Conflict):
    """Approve or decline of an account that is no longer pending (and not already so decided)."""

    code = MerchantErrorCode.ACCOUNT_NOT_PENDING


class ReasonRequired(DomainError):
    code = MerchantErrorCode.REASON_REQUIRED
    default_message = "A reason is required to decline an account"


def _messages(errors: Any) -> Any:
    """Validation errors as NestJS's flat list of strings (a dict is flattened defensively)."""
    if isinstance(errors, dict):
        flat: list[str] = []
        for field, items in errors.items():
            for item in items if isinstance(items, list) else [items]:
                flat.append(f"{field} {item}")
        return flat
    if isinstance(errors, list):
        return [str(item) for item in errors]
    return errors


def render_nest_error(problem: Problem) -> dict[str, Any]:
    status = problem.status
    if status == 429:
        return {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    if status == 500:
        return {"statusCode": 500, "message": "Internal server error"}
    message: Any = problem.message
    if problem.errors is not None and status < 500:
        message = _messages(problem.errors)
    return {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}
