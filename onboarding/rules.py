"""Rules of the onboarding application body, reported class-validator style with field paths.

Every failing rule is collected (`address.office.city should not be empty`,
`incorporators.0.tin must be ...`, `banks.1.currency must be one of the following
values: PHP, USD`), so a partner sees all of them in one 400. The clean result keeps
the submitted shape (camelCase), with phone numbers in E.164 and TIN/SSS in their
dashed form, so GET returns what PUT accepts.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from merchants.validators import (
    Errors,
    _object,
    _present,
    _string,
    _unknown,
    check_email,
    check_name,
    check_phone,
)

BUSINESS_TYPES = ("STARTER", "SOLE_PROPRIETOR", "PARTNERSHIP", "CORPORATION")
MODES_OF_PAYMENT = ("TERMINAL", "ECOM", "PAYMENT_LINK", "QRPH", "PAY_WITH_MAYA")
CURRENCIES = ("PHP", "USD")
GENDERS = ("MALE", "FEMALE", "OTHER")
SETTLEMENT_RAILS = ("INSTAPAY", "PESONET")
ADULT_AGE = 18
BANKS_MAX = 10
INCORPORATORS_MAX = 50

# (exact count, or minimum when the tuple says so) of incorporators per business type
INCORPORATOR_RULES: dict[str, tuple[str, int]] = {
    "STARTER": ("exactly", 0),
    "SOLE_PROPRIETOR": ("exactly", 1),
    "PARTNERSHIP": ("exactly", 2),
    "CORPORATION": ("at least", 3),
}

TIN_RE = re.compile(r"(\d{3})-?(\d{3})-?(\d{3})(?:-?(\d{3}))?")
SSS_RE = re.compile(r"(\d{2})-?(\d{7})-?(\d)")
_POSTAL_RE = re.compile(r"\d{4}")
_ACCOUNT_NUMBER_RE = re.compile(r"\d{6,20}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

MSG_TIN = "must be a valid TIN: 9 or 12 digits, e.g. 123-456-789 or 123-456-789-000"
MSG_SSS = "must be a valid SSS number: 10 digits, e.g. 12-3456789-0"

TOP_FIELDS = {
    "merchantName",
    "legalName",
    "businessHandle",
    "businessType",
    "modeOfPayments",
    "currency",
    "tin",
    "industry",
    "serviceDescription",
    "isBrickAndMortarStore",
    "address",
    "representatives",
    "incorporators",
    "banks",
}
ADDRESS_FIELDS = {
    "line1",
    "buildingNameAndNumber",
    "barangay",
    "city",
    "state",
    "postalCode",
    "contactNumber",
}
PERSON_FIELDS = {
    "firstName",
    "middleName",
    "lastName",
    "emailAddress",
    "contactNumber",
    "dateOfBirth",
    "position",
    "tin",
    "sss",
    "mothersMaidenName",
    "gender",
}
BANK_FIELDS = {
    "accountDepositType",
    "currency",
    "accountType",
    "bankName",
    "accountName",
    "accountNumber",
    "preferredSettlementRail",
    "bankCode",
}


def _text(
    errors: Errors, data: dict, key: str, path: str, *, max_length: int = 255, required: bool = True
) -> str | None:
    value = _string(errors, data, key, path, required=required)
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.add(path, f"must be shorter than or equal to {max_length} characters")
        return None
    return value


def _enum(
    errors: Errors, data: dict, key: str, path: str, values: tuple[str, ...], *, required: bool = True
) -> str | None:
    message = "must be one of the following values: " + ", ".join(values)
    value = _present(errors, data, key, path, kind=str, message=message, required=required)
    if value is not None and value not in values:
        errors.add(path, message)
        return None
    return value


def _pattern(
    errors: Errors, data: dict, key: str, path: str, regex: re.Pattern, message: str, *, required: bool = True
) -> re.Match | None:
    value = _string(errors, data, key, path, required=required)
    if value is None:
        return None
    match = regex.fullmatch(value.strip())
    if match is None:
        errors.add(path, message)
    return match


def check_tin(errors: Errors, data: dict, key: str, path: str, *, required: bool = True) -> str | None:
    """A BIR TIN, 9 digits or 12 with the branch code; stored dashed (123-456-789-000)."""
    match = _pattern(errors, data, key, path, TIN_RE, MSG_TIN, required=required)
    return "-".join(g for g in match.groups() if g) if match else None


def check_sss(errors: Errors, data: dict, key: str, path: str, *, required: bool = True) -> str | None:
    match = _pattern(errors, data, key, path, SSS_RE, MSG_SSS, required=required)
    return "-".join(match.groups()) if match else None


def _adult_birthday_limit(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February: an adult since 28 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def check_birth_date(errors: Errors, data: dict, key: str, path: str, *, today: datetime.date) -> str | None:
    value = _string(errors, data, key, path)
    if value is None:
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError(value)
        born = datetime.date.fromisoformat(value)
    except ValueError:
        errors.add(path, "must be a valid ISO 8601 date string (YYYY-MM-DD)")
        return None
    if born > today:
        errors.add(path, "must not be in the future")
        return None
    if born > _adult_birthday_limit(today):
        errors.add(path, f"must be the date of birth of an adult (at least {ADULT_AGE} years old)")
        return None
    return born.isoformat()


def _boolean(errors: Errors, data: dict, key: str, path: str) -> bool | None:
    value = data.get(key)
    if not isinstance(value, bool):
        errors.add(path, "must be a boolean value")
        return None
    return value


def _array(
    errors: Errors, data: dict, key: str, path: str, *, min_size: int, max_size: int, required: bool = True
) -> list | None:
    value = _present(errors, data, key, path, kind=list, message="must be an array", required=required)
    if value is None:
        return None
    if len(value) < min_size:
        errors.add(path, f"must contain at least {min_size} elements")
    if len(value) > max_size:
        errors.add(path, f"must contain no more than {max_size} elements")
        return None
    return value


def _nested(errors: Errors, items: list, path: str, check: Any) -> list[dict]:
    """Validate each element of an array of objects; paths are `path.<index>.field`."""
    clean = []
    for index, item in enumerate(items):
        item_path = f"{path}.{index}"
        if not isinstance(item, dict):
            errors.add(item_path, "must be an object")
            continue
        clean.append(check(errors, item, item_path))
    return clean


def check_address(errors: Errors, data: dict, path: str) -> dict:
    _unknown(errors, data, ADDRESS_FIELDS, f"{path}.")
    return {
        "line1": _text(errors, data, "line1", f"{path}.line1"),
        "buildingNameAndNumber": _text(
            errors, data, "buildingNameAndNumber", f"{path}.buildingNameAndNumber", required=False
        )
        or "",
        "barangay": _text(errors, data, "barangay", f"{path}.barangay", max_length=100),
        "city": _text(errors, data, "city", f"{path}.city", max_length=100),
        "state": _text(errors, data, "state", f"{path}.state", max_length=100),
        "postalCode": (
            m.group(0)
            if (
                m := _pattern(
                    errors,
                    data,
                    "postalCode",
                    f"{path}.postalCode",
                    _POSTAL_RE,
                    "must be a 4-digit postal code",
                )
            )
            else None
        ),
        "contactNumber": check_phone(errors, data, "contactNumber", f"{path}.contactNumber"),
    }


def _person_checker(today: datetime.date) -> Any:
    def check_person(errors: Errors, data: dict, path: str) -> dict:
        _unknown(errors, data, PERSON_FIELDS, f"{path}.")
        return {
            "firstName": check_name(errors, data, "firstName", f"{path}.firstName"),
            "middleName": check_name(errors, data, "middleName", f"{path}.middleName", required=False) or "",
            "lastName": check_name(errors, data, "lastName", f"{path}.lastName"),
            "emailAddress": check_email(errors, data, "emailAddress", f"{path}.emailAddress"),
            "contactNumber": check_phone(errors, data, "contactNumber", f"{path}.contactNumber"),
            "dateOfBirth": check_birth_date(errors, data, "dateOfBirth", f"{path}.dateOfBirth", today=today),
            "position": _text(errors, data, "position", f"{path}.position", max_length=100),
            "tin": check_tin(errors, data, "tin", f"{path}.tin"),
            "sss": check_sss(errors, data, "sss", f"{path}.sss", required=False) or "",
            "mothersMaidenName": check_name(errors, data, "mothersMaidenName", f"{path}.mothersMaidenName"),
            "gender": _enum(errors, data, "gender", f"{path}.gender", GENDERS),
        }

    return check_person


def check_bank(errors: Errors, data: dict, path: str) -> dict:
    _unknown(errors, data, BANK_FIELDS, f"{path}.")
    number = _pattern(
        errors, data, "accountNumber", f"{path}.accountNumber", _ACCOUNT_NUMBER_RE, "must be 6 to 20 digits"
    )
    return {
        "accountDepositType": _text(
            errors, data, "accountDepositType", f"{path}.accountDepositType", max_length=50
        ),
        "currency": _enum(errors, data, "currency", f"{path}.currency", CURRENCIES),
        "accountType": _text(errors, data, "accountType", f"{path}.accountType", max_length=50),
        "bankName": _text(errors, data, "bankName", f"{path}.bankName", max_length=100),
        "accountName": _text(errors, data, "accountName", f"{path}.accountName"),
        "accountNumber": number.group(0) if number else None,
        "preferredSettlementRail": _enum(
            errors, data, "preferredSettlementRail", f"{path}.preferredSettlementRail", SETTLEMENT_RAILS
        ),
        "bankCode": _text(errors, data, "bankCode", f"{path}.bankCode", max_length=20, required=False) or "",
    }


def _incorporator_count(errors: Errors, business_type: str | None, count: int) -> None:
    if business_type not in INCORPORATOR_RULES:
        return
    kind, number = INCORPORATOR_RULES[business_type]
    if business_type == "STARTER" and count:
        errors.add("incorporators", "must be empty for business type STARTER")
    elif kind == "exactly" and count != number and business_type != "STARTER":
        errors.add(
            "incorporators",
            f"must contain exactly {number} element{'s' if number > 1 else ''} "
            f"for business type {business_type}",
        )
    elif kind == "at least" and count < number:
        errors.add(
            "incorporators", f"must contain at least {number} elements for business type {business_type}"
        )


def _modes(errors: Errors, data: dict) -> list[str] | None:
    items = _array(
        errors, data, "modeOfPayments", "modeOfPayments", min_size=1, max_size=len(MODES_OF_PAYMENT) * 2
    )
    if items is None:
        return None
    message = "each value in modeOfPayments must be one of the following values: " + ", ".join(
        MODES_OF_PAYMENT
    )
    if any(not isinstance(v, str) or v not in MODES_OF_PAYMENT for v in items):
        errors.messages.append(message)
        return None
    if len(set(items)) != len(items):
        errors.messages.append("All modeOfPayments's elements must be unique")
        return None
    return items


def validate_application(data: Any, *, today: datetime.date) -> tuple[dict, list[str]]:
    """Validate a POST/PUT /v2/onboard body; returns (clean body, messages)."""
    errors = Errors()
    data = data if isinstance(data, dict) else {}
    _unknown(errors, data, TOP_FIELDS)
    business_type = _enum(errors, data, "businessType", "businessType", BUSINESS_TYPES)
    starter = business_type == "STARTER"
    check_person = _person_checker(today)
    clean: dict[str, Any] = {
        "merchantName": _text(errors, data, "merchantName", "merchantName"),
        "legalName": _text(
            errors, data, "legalName", "legalName", required=not starter and business_type is not None
        )
        or "",
        "businessHandle": _text(errors, data, "businessHandle", "businessHandle", max_length=100),
        "businessType": business_type,
        "modeOfPayments": _modes(errors, data),
        "currency": _enum(errors, data, "currency", "currency", CURRENCIES),
        "tin": check_tin(errors, data, "tin", "tin"),
        "industry": _text(errors, data, "industry", "industry", max_length=100),
        "serviceDescription": _text(
            errors, data, "serviceDescription", "serviceDescription", max_length=1000
        ),
        "isBrickAndMortarStore": _boolean(errors, data, "isBrickAndMortarStore", "isBrickAndMortarStore"),
    }

    address = _object(errors, data, "address")
    clean["address"] = {}
    if address is not None:
        _unknown(errors, address, {"office", "registered"}, "address.")
        office = _object(errors, address, "office", "address.office")
        if office is not None:
            clean["address"]["office"] = check_address(errors, office, "address.office")
        registered = _object(
            errors,
            address,
            "registered",
            "address.registered",
            required=not starter and business_type is not None,
        )
        if registered is not None:
            clean["address"]["registered"] = check_address(errors, registered, "address.registered")

    representatives = _object(errors, data, "representatives")
    clean["representatives"] = {}
    if representatives is not None:
        _unknown(errors, representatives, {"authorized", "escalation"}, "representatives.")
        for role in ("authorized", "escalation"):
            person = _object(errors, representatives, role, f"representatives.{role}")
            if person is not None:
                clean["representatives"][role] = check_person(errors, person, f"representatives.{role}")

    incorporators = _array(
        errors,
        data,
        "incorporators",
        "incorporators",
        min_size=0,
        max_size=INCORPORATORS_MAX,
        required=not starter,
    )
    clean["incorporators"] = _nested(errors, incorporators or [], "incorporators", check_person)
    if incorporators is not None:
        _incorporator_count(errors, business_type, len(incorporators or []))

    banks = _array(errors, data, "banks", "banks", min_size=1, max_size=BANKS_MAX)
    clean["banks"] = _nested(errors, banks or [], "banks", check_bank)
    return clean, errors.messages
