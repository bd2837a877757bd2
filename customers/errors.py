"""The customers API's error envelope: {"success": false, "message", "errors"?}."""

from typing import Any

from core.errors import Problem


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
