"""Request validation for the merchant API with class-validator-style messages.

NestJS's ValidationPipe reports every failing rule at once as strings prefixed with
the property path ("user.password must be ..."), and with `forbidNonWhitelisted`
rejects unknown properties ("property foo should not exist", nested:
"user.property foo should not exist"). We reproduce that shape so partners moving
from the original service see the same messages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

NAME_MAX = 100
USERNAME_MAX = 50
PASSWORD_MIN = 12
PASSWORD_MAX = 64
EMAIL_MAX = 254
PASSWORD_SPECIALS = "#?!@$%^&*-"  # noqa: S105 (the allowed set)

MSG_PASSWORD_RULES = "must have at least 1 uppercase and lowercase character, a number, and special character"  # noqa: S105
MSG_NAME_CHARS = "must contain only letters, spaces, hyphens and apostrophes"
MSG_USERNAME_CHARS = "must contain only letters, numbers, dots, underscores and hyphens"

_USERNAME_RE = re.compile(r"[A-Za-z0-9._-]+")
_PIN_RE = re.compile(r"[0-9]{4,6}")
_PHONE_CHARS_RE = re.compile(r"\+?[0-9 ().-]+")
_NAME_PUNCTUATION = frozenset(" -'\u2019")


class Errors:
    """Collects messages in the order the rules are checked."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, path: str, text: str) -> None:
        self.messages.append(f"{path} {text}")

    def __bool__(self) -> bool:
        return bool(self.messages)


def _unknown(errors: Errors, data: dict, allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            errors.messages.append(f"{prefix}property {key} should not exist")


def _object(
    errors: Errors, data: dict, key: str, path: str | None = None, *, required: bool = True
) -> dict | None:
    value = data.get(key)
    if value is None or value == {}:
        if required:
            errors.add(path or key, "should not be empty")
        return None
    if not isinstance(value, dict):
        errors.add(path or key, "must be an object")
        return None
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _present(
    errors: Errors, data: dict, key: str, path: str, *, kind: type, message: str, required: bool = True
) -> Any:
    """The value under `key` when it has the right type; else class-validator's pair of
    messages for a missing value (IsNotEmpty + the type's) or the type's alone."""
    value = data.get(key)
    if value is None:
        if required:
            errors.add(path, "should not be empty")
            errors.add(path, message)
        return None
    if not isinstance(value, kind):
        errors.add(path, message)
        return None
    if isinstance(value, str) and _SURROGATE.search(value):
        # JSON may escape a lone surrogate ("\ud800"), but no UTF-8 text holds one: refused
        # here, it cannot fail later in a hash, the rate-limit store or the database (a 500).
        errors.add(path, "must not contain unpaired surrogate characters")
        return None
    return value


def _string(errors: Errors, data: dict, key: str, path: str, *, required: bool = True) -> str | None:
    """The common IsString + IsNotEmpty pair; returns the string when there is one."""
    value = _present(errors, data, key, path, kind=str, message="must be a string", required=required)
    if value is None:
        return None
    if not value.strip():
        if required or value:
            errors.add(path, "should not be empty")
        return None
    return value


def _is_name(value: str) -> bool:
    has_letter = False
    for char in value:
        category = unicodedata.category(char)
        if category.startswith("L"):
            has_letter = True
        elif category.startswith("M") and has_letter:
            continue  # combining accents on a preceding letter
        elif char not in _NAME_PUNCTUATION:
            return False
    return has_letter


def check_name(errors: Errors, data: dict, key: str, path: str, *, required: bool = True) -> str | None:
    value = _string(errors, data, key, path, required=required)
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    ok = True
    if len(value) > NAME_MAX:
        errors.add(path, f"must be shorter than or equal to {NAME_MAX} characters")
        ok = False
    if not _is_name(value):
        errors.add(path, MSG_NAME_CHARS)
        ok = False
    return value if ok else None


def check_username(errors: Errors, data: dict, key: str, path: str) -> str | None:
    value = _string(errors, data, key, path)
    if value is None:
        return None
    ok = True
    if len(value) > USERNAME_MAX:
        errors.add(path, f"must be shorter than or equal to {USERNAME_MAX} characters")
        ok = False
    if not _USERNAME_RE.fullmatch(value):
        errors.add(path, MSG_USERNAME_CHARS)
        ok = False
    return value if ok else None


def password_problems(value: str) -> list[str]:
    """The password rules of the source document, as message tails."""
    problems = []
    if len(value) < PASSWORD_MIN:
        problems.append(f"must be longer than or equal to {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        problems.append(f"must be shorter than or equal to {PASSWORD_MAX} characters")
    if not (
        re.search(r"[A-Z]", value)
        and re.search(r"[a-z]", value)
        and re.search(r"[0-9]", value)
        and any(c in PASSWORD_SPECIALS for c in value)
    ):
        problems.append(MSG_PASSWORD_RULES)
    return problems


def _raw_string(errors: Errors, data: dict, key: str, path: str) -> str | None:
    """A required string taken exactly as sent (no strip): secrets and login names."""
    value = _present(errors, data, key, path, kind=str, message="must be a string")
    if value is None:
        return None
    if value == "":
        errors.add(path, "should not be empty")
        return None
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refuse it here instead of failing in the query.
        errors.add(path, "must not contain null characters")
        return None
    return value


def check_password(errors: Errors, data: dict, key: str, path: str) -> str | None:
    value = _raw_string(errors, data, key, path)
    if value is None:
        return None
    problems = password_problems(value)
    for text in problems:
        errors.add(path, text)
    return None if problems else value


def check_email(errors: Errors, data: dict, key: str, path: str) -> str | None:
    value = _string(errors, data, key, path)
    if value is None:
        return None
    try:
        if len(value) > EMAIL_MAX:
            raise DjangoValidationError("too long")
        validate_email(value)
    except DjangoValidationError:
        errors.add(path, "must be an email")
        return None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_ph_mobile(value: str) -> str | None:
    """E.164 for any common writing of a Philippine mobile number, else None."""
    if len(value) > 32 or not _PHONE_CHARS_RE.fullmatch(value.strip()):
        return None
    try:
        number = phonenumbers.parse(value, "PH")
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "PH"
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_phone(errors: Errors, data: dict, key: str, path: str) -> str | None:
    value = _string(errors, data, key, path)
    if value is None:
        return None
    e164 = normalize_ph_mobile(value)
    if e164 is None:
        errors.add(path, "must be a valid phone number")
    return e164


def check_pin(errors: Errors, data: dict, key: str, path: str) -> str | None:
    value = _string(errors, data, key, path)
    if value is None:
        return None
    if not _PIN_RE.fullmatch(value):
        errors.add(path, "must be 4 to 6 digits")
        return None
    return value


def _body(data: Any) -> dict:
    # A JSON array, string or number is no object: report it as an empty body.
    return data if isinstance(data, dict) else {}


def validate_create_account(data: Any) -> tuple[dict, list[str]]:
    """Validate the Create Account body; returns (clean values, messages)."""
    errors = Errors()
    data = _body(data)
    _unknown(errors, data, {"contact", "user"})
    clean: dict[str, Any] = {}
    contact = _object(errors, data, "contact")
    if contact is not None:
        _unknown(errors, contact, {"email", "phone"}, "contact.")
        clean["email"] = check_email(errors, contact, "email", "contact.email")
        clean["phone"] = check_phone(errors, contact, "phone", "contact.phone")
    user = _object(errors, data, "user")
    if user is not None:
        allowed = {"firstName", "middleName", "lastName", "username", "password", "pin"}
        _unknown(errors, user, allowed, "user.")
        clean["first_name"] = check_name(errors, user, "firstName", "user.firstName")
        clean["middle_name"] = check_name(errors, user, "middleName", "user.middleName", required=False)
        clean["last_name"] = check_name(errors, user, "lastName", "user.lastName")
        clean["username"] = check_username(errors, user, "username", "user.username")
        clean["password"] = check_password(errors, user, "password", "user.password")
        clean["pin"] = check_pin(errors, user, "pin", "user.pin")
    clean["middle_name"] = clean.get("middle_name") or ""
    return clean, errors.messages


def validate_fields(data: Any, fields: dict[str, str]) -> tuple[dict, list[str]]:
    """Flat bodies of the token endpoints: `fields` maps name -> "string" or "password" (rules)."""
    errors = Errors()
    data = _body(data)
    _unknown(errors, data, set(fields))
    clean: dict[str, Any] = {}
    for name, kind in fields.items():
        check = check_password if kind == "password" else _raw_string
        clean[name] = check(errors, data, name, name)
    return clean, errors.messages
