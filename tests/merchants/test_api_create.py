"""POST /v2/account: the Create Account contract, every rule and its error text."""

from unittest import mock

import pytest
from django.db import DataError, IntegrityError

from core.conf import app_settings
from core.models import AuditEvent
from merchants.models import Account, Merchant
from merchants.selectors import account_pin_matches

PW_RULES = (
    "user.password must have at least 1 uppercase and lowercase character, a number, and special character"
)
BAD_REQUEST = "Bad Request"

pytestmark = pytest.mark.django_db


def post(api, data, **kwargs):
    return api.post("/v2/account", data, format="json", **kwargs)


def messages(response) -> list[str]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["statusCode"] == 400 and body["error"] == BAD_REQUEST
    assert isinstance(body["message"], list)
    return body["message"]


def test_create_account_returns_integer_id_and_stores_pending_account(authed, body):
    data = body()
    response = post(authed, data)
    assert response.status_code == 200, response.content
    account_id = response.json()["id"]
    assert isinstance(account_id, int) and response.json() == {"id": account_id}
    account = Account.objects.get(pk=account_id)
    assert account.status == Account.Status.PENDING
    assert account.merchant.name == app_settings.PARENT_MERCHANT_NAME == "Packworks Merchant"
    assert account.phone == "+639171234567"
    assert account.middle_name == "Protacio"
    assert account.branch is None
    # Secrets are neither stored in clear nor returned.
    assert data["user"]["password"] not in account.password_hash
    assert data["user"]["pin"].encode() not in bytes(account.pin_ciphertext)
    assert account_pin_matches(account=account, pin=data["user"]["pin"])
    assert data["user"]["password"] not in response.content.decode()
    assert AuditEvent.objects.filter(action="merchant_account.created", target_id=str(account_id)).exists()


def test_parent_merchant_exists_from_migration():
    assert Merchant.objects.filter(name="Packworks Merchant").exists()


def test_middle_name_is_optional(authed, body):
    data = body()
    del data["user"]["middleName"]
    assert post(authed, data).status_code == 200


@pytest.mark.parametrize(
    "phone",
    [
        "+639171234567",
        "09171234567",
        "9171234567",
        "0917 123 4567",
        "0917-123-4567",
        "+63 917 123 4567",
        "+63-917-123-4567",
        "639171234567",
    ],
)
def test_common_forms_of_a_ph_mobile_are_stored_as_e164(authed, body, phone):
    data = body()
    data["contact"]["phone"] = phone
    response = post(authed, data)
    assert response.status_code == 200, response.content
    assert Account.objects.get(pk=response.json()["id"]).phone == "+639171234567"


@pytest.mark.parametrize(
    "phone",
    [
        "+63281234567",  # Manila landline
        "0281234567",  # landline, national form
        "+14155552671",  # US
        "+447911123456",  # UK mobile
        "12345",
        "0917123456",  # one digit short
        "0917-CALL-NOW",
        "not a phone",
    ],
)
def test_landline_foreign_or_garbage_phone_is_refused(authed, body, phone):
    data = body()
    data["contact"]["phone"] = phone
    assert messages(post(authed, data)) == ["contact.phone must be a valid phone number"]
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@", "@example.com", "a b@example.com", "x" * 250 + "@example.com"]
)
def test_invalid_email(authed, body, email):
    data = body()
    data["contact"]["email"] = email
    assert messages(post(authed, data)) == ["contact.email must be an email"]


@pytest.mark.parametrize(
    "password,expected",
    [
        ("Sh0rt#Pass", ["user.password must be longer than or equal to 12 characters"]),
        ("A1#" + "a" * 62, ["user.password must be shorter than or equal to 64 characters"]),
        ("nouppercase#123", [PW_RULES]),
        ("NOLOWERCASE#123", [PW_RULES]),
        ("NoDigitsHere#!", [PW_RULES]),
        ("NoSpecials1234", [PW_RULES]),
        ("Only(Other)Sp3cials_+=~", [PW_RULES]),  # specials, but none of #?!@$%^&*-
        ("short", ["user.password must be longer than or equal to 12 characters", PW_RULES]),
    ],
)
def test_password_rules(authed, body, secret_registry, password, expected):
    secret_registry.add(password)
    response = post(authed, body(password=password))
    assert messages(response) == expected
    assert password not in response.content.decode()
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "password", ["Abcdefghij1#", "Aa1#" + "é" * 60, "Aa1-" + "漢" * 60, "Passw0rd?Passw0rd"]
)
def test_passwords_that_meet_the_rules(authed, body, secret_registry, password):
    secret_registry.add(password)
    assert post(authed, body(password=password)).status_code == 200


@pytest.mark.parametrize(
    "name,expected",
    [
        ("J0hn", "user.firstName must contain only letters, spaces, hyphens and apostrophes"),
        ("John!", "user.firstName must contain only letters, spaces, hyphens and apostrophes"),
        ("John_Doe", "user.firstName must contain only letters, spaces, hyphens and apostrophes"),
        ("A" * 101, "user.firstName must be shorter than or equal to 100 characters"),
        ("", "user.firstName should not be empty"),
        ("   ", "user.firstName should not be empty"),
    ],
)
def test_first_name_rules(authed, body, name, expected):
    assert messages(post(authed, body(firstName=name))) == [expected]


@pytest.mark.parametrize(
    "name", ["José", "Zoë-Anne", "O'Brien", "Ma Lourdes", "Nguyễn Văn", "李小龙", "A" * 100, "D\u2019Angelo"]
)
def test_unicode_names_accepted(authed, body, name):
    assert post(authed, body(firstName=name, lastName=name)).status_code == 200


def test_names_with_digits_in_middle_and_last_name(authed, body):
    assert messages(post(authed, body(middleName="M1ddle", lastName="L@st"))) == [
        "user.middleName must contain only letters, spaces, hyphens and apostrophes",
        "user.lastName must contain only letters, spaces, hyphens and apostrophes",
    ]


@pytest.mark.parametrize(
    "username,expected",
    [
        ("a b", ["user.username must contain only letters, numbers, dots, underscores and hyphens"]),
        ("juan@dc", ["user.username must contain only letters, numbers, dots, underscores and hyphens"]),
        ("ñandu", ["user.username must contain only letters, numbers, dots, underscores and hyphens"]),
        ("a" * 51, ["user.username must be shorter than or equal to 50 characters"]),
        ("", ["user.username should not be empty"]),
    ],
)
def test_username_rules(authed, body, username, expected):
    assert messages(post(authed, body(username=username))) == expected


def test_username_of_50_allowed_chars_is_fine(authed, body):
    assert post(authed, body(username="A-b_c." + "x" * 44)).status_code == 200


@pytest.mark.parametrize(
    "pin,expected",
    [
        ("123", "user.pin must be 4 to 6 digits"),
        ("1234567", "user.pin must be 4 to 6 digits"),
        ("12a4", "user.pin must be 4 to 6 digits"),
        ("١٢٣٤", "user.pin must be 4 to 6 digits"),  # non-ASCII digits
        (1234, "user.pin must be a string"),
        ("", "user.pin should not be empty"),
    ],
)
def test_pin_rules(authed, body, pin, expected):
    assert messages(post(authed, body(pin=pin))) == [expected]


@pytest.mark.parametrize("pin", ["0000", "01234", "987654"])
def test_pins_of_4_to_6_digits_accepted(authed, body, secret_registry, pin):
    secret_registry.add(pin)
    response = post(authed, body(pin=pin))
    assert response.status_code == 200
    assert account_pin_matches(account=Account.objects.get(pk=response.json()["id"]), pin=pin)


@pytest.mark.parametrize(
    "payload,expected",
    [
        ({}, ["contact should not be empty", "user should not be empty"]),
        ({"user": None, "contact": None}, ["contact should not be empty", "user should not be empty"]),
        ({"contact": "x", "user": [1]}, ["contact must be an object", "user must be an object"]),
        ([], ["contact should not be empty", "user should not be empty"]),
    ],
)
def test_missing_or_wrong_top_level_objects(authed, payload, expected):
    assert messages(post(authed, payload)) == expected


def test_wrong_types_are_reported_per_field(authed):
    payload = {
        "contact": {"email": 5, "phone": ["0917"]},
        "user": {"firstName": 1, "lastName": True, "username": {}, "password": 123456789012, "pin": None},
    }
    assert messages(post(authed, payload)) == [
        "contact.email must be a string",
        "contact.phone must be a string",
        "user.firstName must be a string",
        "user.lastName must be a string",
        "user.username must be a string",
        "user.password must be a string",
        "user.pin should not be empty",
        "user.pin must be a string",
    ]


def test_all_failing_rules_are_reported_together(authed, body, secret_registry):
    data = body(firstName="", lastName="X" * 101, username="a b", password="weak", pin="12")
    data["contact"] = {"email": "nope", "phone": "+14155552671"}
    assert messages(post(authed, data)) == [
        "contact.email must be an email",
        "contact.phone must be a valid phone number",
        "user.firstName should not be empty",
        "user.lastName must be shorter than or equal to 100 characters",
        "user.username must contain only letters, numbers, dots, underscores and hyphens",
        "user.password must be longer than or equal to 12 characters",
        PW_RULES,
        "user.pin must be 4 to 6 digits",
    ]
    assert not Account.objects.exists()


def test_unknown_properties_are_rejected_like_forbid_non_whitelisted(authed, body):
    data = body()
    data["admin"] = True
    data["user"]["status"] = "APPROVED"
    data["contact"]["fax"] = "x"
    assert messages(post(authed, data)) == [
        "property admin should not exist",
        "contact.property fax should not exist",
        "user.property status should not exist",
    ]
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "raw,content_type",
    [
        ("{not json", "application/json"),
        ("hello", "text/plain"),
        ('{"contact": ', "application/json"),
    ],
)
def test_body_that_is_not_json(authed, raw, content_type):
    response = authed.post("/v2/account", raw, content_type=content_type)
    body = response.json()
    assert response.status_code == 400
    assert body["statusCode"] == 400 and body["error"] == BAD_REQUEST
    assert not Account.objects.exists()


def test_username_taken_ignoring_case(authed, body):
    assert post(authed, body(username="Juan.DC")).status_code == 200
    response = post(authed, body(username="juan.dc"))
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": "Username is not available",
        "error": BAD_REQUEST,
    }
    assert Account.objects.count() == 1


@pytest.mark.parametrize("error", [IntegrityError("boom"), DataError("value too long")])
def test_database_error_while_saving_is_the_documented_400(authed, body, error):
    with mock.patch.object(Account, "save", side_effect=error):
        response = post(authed, body())
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": "Failed to save the account to the database",
        "error": BAD_REQUEST,
    }
    assert not Account.objects.exists()


def test_failure_after_the_insert_leaves_no_half_made_account(authed, body):
    with mock.patch("merchants.services.audit_record", side_effect=IntegrityError("audit failed")):
        response = post(authed, body())
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to save the account to the database"
    assert not Account.objects.exists()
    assert not AuditEvent.objects.filter(action="merchant_account.created").exists()


def test_unexpected_error_is_the_documented_500(authed, body):
    with mock.patch("merchants.services.account_create", side_effect=RuntimeError("bug")):
        response = post(authed, body())
    assert response.status_code == 500
    assert response.json() == {"statusCode": 500, "message": "Internal server error"}
