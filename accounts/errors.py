"""The merchant API's NestJS-style error bodies: {"statusCode", "message", "error"}."""
from http import HTTPStatus
from typing import Any

from core.errors import Problem


def render_nest_error(problem: Problem) -> dict[str, Any]:
    status = problem.status
    if status == 429:
        return {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    if status >= 500:
        return {"statusCode": status, "message": "Internal server error"
                if status == 500 else problem.message}
    message: Any = problem.message
    if problem.errors is not None:
        message = problem.errors
    return {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}
