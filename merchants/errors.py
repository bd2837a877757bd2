"""The merchant API's NestJS-style error bodies: {"statusCode", "message", "error"}."""

from http import HTTPStatus
from typing import Any

from core.errors import Problem


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
