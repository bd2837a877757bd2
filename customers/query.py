"""The list endpoints' query strings, read without building a serializer per request.

`ListQuerySerializer` and its subclasses (customers.serializers) stay the reference: the
parameters are their fields, with the fields' bounds, defaults, choices and messages, read
the way DRF reads a query string (the last value of a repeated name; `?limit=` is blank,
not absent; `5.0` is 5). Building and running a
serializer was most of what a refused list request cost, so the hot list routes read their
query here; tests/customers/test_query.py checks that both give the same answer, valid
data or errors, for every query string hypothesis generates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.utils.translation import get_language
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.fields import empty

from .serializers import BLANK_MESSAGE, ChallengeListQuerySerializer, ListQuerySerializer, OrderField

_Integer = serializers.IntegerField  # its rules: "5.0" reads as 5, a long string is refused


@dataclass(frozen=True)
class IntParam:
    """An IntegerField with both bounds, read as the field reads it."""

    name: str
    minimum: int
    maximum: int
    default: object  # rest_framework.fields.empty: none
    field: serializers.Field  # its messages

    def read(self, raw: str) -> tuple[int | None, ErrorDetail | None]:
        if len(raw) > _Integer.MAX_STRING_LENGTH:
            return None, _error(self.field, "max_string_length")
        try:
            value = int(_Integer.re_decimal.sub("", raw))
        except ValueError:
            return None, _error(self.field, "invalid")
        if value > self.maximum:
            return None, _error(self.field, "max_value", max_value=self.maximum)
        if value < self.minimum:
            return None, _error(self.field, "min_value", min_value=self.minimum)
        return value, None


@dataclass(frozen=True)
class ChoiceParam:
    """A ChoiceField (an OrderField reads its value in lower case first)."""

    name: str
    choices: Mapping[str, object]  # the field's choice_strings_to_values
    default: object
    any_case: bool
    field: serializers.Field

    def read(self, raw: str) -> tuple[object, ErrorDetail | None]:
        value = raw.lower() if self.any_case else raw
        if value in self.choices:
            return self.choices[value], None
        return None, _error(self.field, "invalid_choice", input=value)


Param = IntParam | ChoiceParam


# (language, field, message key) -> the field's message in that language. Reading a lazy
# translation walks the catalogs on every read; the languages and fields are few and fixed.
_messages: dict[tuple[str | None, serializers.Field, str], str] = {}


def _error(field: serializers.Field, key: str, **values: object) -> ErrorDetail:
    """The field's own message for `key`, in the request's language as the field gives it."""
    cache_key = (get_language(), field, key)
    message = _messages.get(cache_key)
    if message is None:
        message = _messages[cache_key] = str(field.error_messages[key])
    return ErrorDetail(message.format(**values), code=key)


def _forget_messages(*, setting: str, **kwargs: object) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _messages.clear()


setting_changed.connect(_forget_messages, dispatch_uid="customers.query.messages")


def query_spec(serializer_class: type[serializers.Serializer]) -> tuple[Param, ...]:
    """The parameters of a query serializer, taken from its fields (bounds, defaults,
    choices and messages stay declared once, on the serializer)."""
    params: list[Param] = []
    for name, field in serializer_class().fields.items():
        if (
            isinstance(field, serializers.IntegerField)
            and field.min_value is not None
            and field.max_value is not None
        ):
            params.append(IntParam(name, field.min_value, field.max_value, field.default, field))
        elif isinstance(field, serializers.ChoiceField):
            any_case = isinstance(field, OrderField)
            params.append(ChoiceParam(name, field.choice_strings_to_values, field.default, any_case, field))
        else:
            raise TypeError(f"{serializer_class.__name__}.{name}: no reader for a {type(field).__name__}")
    return tuple(params)


PAGE_QUERY = query_spec(ListQuerySerializer)
CHALLENGE_QUERY = query_spec(ChallengeListQuerySerializer)


def query_read(params: Mapping[str, str], spec: Sequence[Param] = PAGE_QUERY) -> dict[str, Any]:
    """The validated values of `spec` in `params` (a QueryDict: a repeated name gives its
    last value), or a ValidationError naming every refused parameter."""
    blank = {p.name: [ErrorDetail(BLANK_MESSAGE, code="blank")] for p in spec if params.get(p.name) == ""}
    if blank:
        raise ValidationError(blank)
    values: dict[str, Any] = {}
    errors: dict[str, list[ErrorDetail]] = {}
    for param in spec:
        raw = params.get(param.name)
        if raw is None:
            if param.default is not empty:
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
