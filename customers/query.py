"""The list endpoints' query strings, read without building a serializer per request.

`ListQuerySerializer` and its subclasses (customers.serializers) stay the reference: the
same fields, defaults and messages, read the way DRF reads a query string (the last value
of a repeated name; `?limit=` is blank, not absent; `5.0` is 5). Building and running a
serializer was most of what a refused list request cost, so the hot list routes read their
query here; tests/customers/test_query.py checks that both give the same answer, valid
data or errors, for every query string hypothesis generates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework.exceptions import ErrorDetail, ValidationError

from .models import Challenge

# DRF's IntegerField: "5.0" and "5.  " read as 5; a longer string is refused before int().
_DECIMAL_TAIL = re.compile(r"\.0*\s*$")
_MAX_STRING_LENGTH = 1000
_BLANK = "This field may not be blank."


@dataclass(frozen=True)
class IntParam:
    name: str
    minimum: int
    maximum: int
    default: int

    def read(self, raw: str) -> tuple[int | None, ErrorDetail | None]:
        if len(raw) > _MAX_STRING_LENGTH:
            return None, ErrorDetail("String value too large.", code="max_string_length")
        try:
            value = int(_DECIMAL_TAIL.sub("", raw))
        except ValueError:
            return None, ErrorDetail("A valid integer is required.", code="invalid")
        if value > self.maximum:
            return None, ErrorDetail(
                f"Ensure this value is less than or equal to {self.maximum}.", code="max_value"
            )
        if value < self.minimum:
            return None, ErrorDetail(
                f"Ensure this value is greater than or equal to {self.minimum}.", code="min_value"
            )
        return value, None


@dataclass(frozen=True)
class ChoiceParam:
    name: str
    choices: frozenset[str]
    default: str | None = None  # None: optional, left out when absent
    any_case: bool = False  # read in lower case (OrderField)

    def read(self, raw: str) -> tuple[str | None, ErrorDetail | None]:
        value = raw.lower() if self.any_case else raw
        if value in self.choices:
            return value, None
        return None, ErrorDetail(f'"{value}" is not a valid choice.', code="invalid_choice")


Param = IntParam | ChoiceParam

PAGE_QUERY: tuple[Param, ...] = (
    IntParam("page", 1, 1_000_000, 1),
    IntParam("limit", 1, 100, 10),
    ChoiceParam("order", frozenset({"asc", "desc"}), "desc", any_case=True),
)
CHALLENGE_QUERY: tuple[Param, ...] = (*PAGE_QUERY, ChoiceParam("status", frozenset(Challenge.Status.values)))


def query_read(params: Mapping[str, str], spec: Sequence[Param] = PAGE_QUERY) -> dict[str, Any]:
    """The validated values of `spec` in `params` (a QueryDict: a repeated name gives its
    last value), or a ValidationError naming every refused parameter."""
    blank = {p.name: [ErrorDetail(_BLANK, code="blank")] for p in spec if params.get(p.name) == ""}
    if blank:
        raise ValidationError(blank)
    values: dict[str, Any] = {}
    errors: dict[str, list[ErrorDetail]] = {}
    for param in spec:
        raw = params.get(param.name)
        if raw is None:
            if param.default is not None:
                values[param.name] = param.default
            continue
        value, error = param.read(raw)
        if error is not None:
            errors[param.name] = [error]
        else:
            values[param.name] = value
    if errors:
        raise ValidationError(errors)
    return values
