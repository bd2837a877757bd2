"""The customers app's error codes and the API's error envelope: {"success": false, "message", "errors"?}.

The envelope carries no code (the public contract has none); the codes name each refusal
for services, logs and tests.
"""

import enum
from typing import Any

from core.errors import Problem


class CustomersErrorCode(enum.StrEnum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    REF_ID_TAKEN = "ref_id_taken"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    REDIRECT_URL_INVALID = "redirect_url_invalid"
    KEY_KIND_UNKNOWN = "key_kind_unknown"
    KEY_PREFIX_EXHAUSTED = "key_prefix_exhausted"
    CHALLENGE_NOT_STARTABLE = "challenge_not_startable"
    CHALLENGE_TYPE_UNAVAILABLE = "challenge_type_unavailable"
    CHALLENGE_CLOSED = "challenge_closed"
    PIN_LOCKED = "pin_locked"
    # 409 with errors.lockedExpiryDate: the lock keeps the user from the challenge's first step.
    CUSTOMER_LOCKED = "customer_locked"
    # 409: initialize with resetPin once recovery exists; reset-pin is the way.
    RECOVERY_EXISTS = "recovery_exists"


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"a.b": ["msg", ...]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                name = "body" if key == "non_field_errors" else str(key)
                walk(f"{prefix}.{name}" if prefix else name, item)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), item)
        elif isinstance(value, list):
            out.setdefault(prefix or "body", []).extend(str(v) for v in value)
        else:
            out.setdefault(prefix or "body", []).append(str(value))

    walk("", detail)
    return out


def render_envelope_error(problem: Problem) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "message": problem.message}
    if problem.errors:
        body["errors"] = _field_errors(problem.errors)
    return body
