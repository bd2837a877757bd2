"""Domain errors and the dispatch that turns any exception into its API surface's body.

Services raise DomainError subclasses carrying a code. Each API surface (customers
envelope, merchant NestJS-style bodies) registers a Surface in its AppConfig.ready();
the one DRF exception handler and the Django-level 404/500 handlers pick the surface by
URL prefix, so no view builds an error body by hand and no request ends in a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.functional import Promise
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger("onboarding.errors")


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_message: str | Promise = "Invalid request"  # a subclass may give a lazy translation

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: Any = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message: str = str(message or self.default_message)  # read in the request's language
        self.code = code or self.code
        self.errors = errors
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers or {}
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message: str | Promise = "Not found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message: str | Promise = "Conflict"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    default_message: str | Promise = "Forbidden"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"
    default_message: str | Promise = "Unauthorized"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message: str | Promise = "Too Many Requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))
        self.headers.setdefault("Retry-After", str(self.retry_after))


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
    default_message: str | Promise = "Service temporarily unavailable, please retry"


@dataclass
class Problem:
    """A surface-neutral description of an error, before a surface renders it."""

    status: int
    message: str
    code: str = "error"
    errors: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    exc: Exception | None = None


def to_problem(exc: Exception) -> Problem:
    """Normalise DomainError, DRF, Django and database exceptions into a Problem."""
    if isinstance(exc, DomainError):
        return Problem(exc.status_code, exc.message, exc.code, exc.errors, dict(exc.headers), exc)
    if isinstance(exc, drf_exceptions.ValidationError):
        return Problem(400, "Validation failed", "invalid", exc.detail, exc=exc)
    if isinstance(exc, drf_exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)  # set by Throttled.__init__; not in the stubs
        return Problem(
            429, "Too Many Requests", "rate_limited", None, {"Retry-After": str(max(1, wait))}, exc
        )
    if isinstance(exc, drf_exceptions.ParseError):
        return Problem(400, "Malformed JSON body", "parse_error", exc=exc)
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return Problem(
            415, "Unsupported media type: send application/json", "unsupported_media_type", exc=exc
        )
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return Problem(405, "Method not allowed", "method_not_allowed", exc=exc)
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return Problem(406, "Not acceptable", "not_acceptable", exc=exc)
    if isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
        return Problem(401, "Unauthorized", "unauthenticated", exc=exc)
    if isinstance(exc, (drf_exceptions.PermissionDenied, DjangoPermissionDenied)):
        return Problem(403, "Forbidden", "forbidden", exc=exc)
    if isinstance(exc, (drf_exceptions.NotFound, Http404)):
        return Problem(404, "Not found", "not_found", exc=exc)
    if isinstance(exc, drf_exceptions.APIException):
        return Problem(exc.status_code, str(exc.detail), exc.default_code, exc=exc)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", type(exc).__name__)
        return Problem(
            503, str(ServiceUnavailable.default_message), "unavailable", headers={"Retry-After": "1"}, exc=exc
        )
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
        return Problem(500, "Internal server error", "server_error", exc=exc)
    logger.exception("unhandled error", exc_info=exc)
    return Problem(500, "Internal server error", "server_error", exc=exc)


@dataclass(frozen=True)
class Surface:
    """How one API surface renders a Problem as a JSON body."""

    name: str
    prefixes: tuple[str, ...]
    render: Callable[[Problem], dict[str, Any]]


_surfaces: list[Surface] = []


def register_surface(surface: Surface) -> None:
    _surfaces[:] = [s for s in _surfaces if s.name != surface.name] + [surface]


def surface_for_path(path: str) -> Surface | None:
    """The surface with the longest prefix of `path`, so /v2/account beats /v2/."""
    best: tuple[int, Surface | None] = (0, None)
    for surface in _surfaces:
        for prefix in surface.prefixes:
            if path.startswith(prefix) and len(prefix) > best[0]:
                best = (len(prefix), surface)
    return best[1]


def _plain_body(problem: Problem) -> dict[str, Any]:
    return {"success": False, "message": problem.message}


def render_problem(problem: Problem, path: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    surface = surface_for_path(path)
    body = surface.render(problem) if surface else _plain_body(problem)
    return body, problem.status, problem.headers


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF EXCEPTION_HANDLER: every exception, expected or not, becomes a surface body."""
    request = context.get("request")
    path = request.path if request is not None else ""
    body, status, headers = render_problem(to_problem(exc), path)
    response = Response(body, status=status, headers=headers)
    if status >= 500:
        # Make sure a failed write does not leave a half-open transaction behind.
        from django.db import connection

        if connection.in_atomic_block:
            connection.set_rollback(True)
    return response


def json_error_view(status: int, message: str) -> Callable[..., JsonResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        problem = Problem(status, message)
        body, status_code, headers = render_problem(problem, request.path)
        return JsonResponse(body, status=status_code, headers=headers)

    return view
