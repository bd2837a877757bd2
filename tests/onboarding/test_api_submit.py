"""POST /v2/onboard: valid applications per business type, every listed bad input, one open per account."""

import datetime

import pytest

from core.models import AuditEvent
from onboarding.models import OnboardingApplication
from onboarding.serializers import ph_today

from . import factories

pytestmark = pytest.mark.django_db

URL = "/v2/onboard"


@pytest.mark.parametrize("business_type", ["STARTER", "SOLE_PROPRIETOR", "PARTNERSHIP", "CORPORATION"])
def test_valid_application_is_created_new(holder, business_type):
    response = holder.post(URL, factories.application(business_type), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "NEW"
    application = OnboardingApplication.objects.get()
    assert body["referenceNumber"] == str(application.reference_number)
    assert application.reference_number.version == 4
    assert application.account == holder.account and application.merchant_name == "Sari Sari Store"
    assert AuditEvent.objects.filter(action="onboarding.submitted", target_id=str(application.pk)).exists()
    # TIN, SSS and mothers' maiden names are not readable in the database row.
    assert b"123-456-789" not in bytes(application.payload) and b"Reyes" not in bytes(application.payload)


def test_get_returns_the_application_in_its_submitted_shape(holder, submitted):
    ref = submitted("CORPORATION")
    body = holder.get(f"{URL}/{ref}").json()
    sent = factories.application("CORPORATION")
    assert body["referenceNumber"] == ref and body["status"] == "NEW" and body["files"] == []
    assert set(body) == set(sent) | {"referenceNumber", "status", "files"}
    assert body["modeOfPayments"] == ["QRPH", "PAYMENT_LINK"]
    assert body["address"]["office"]["city"] == "Pasig"
    # normalised forms: E.164 phones, dashed TIN and SSS
    authorized = body["representatives"]["authorized"]
    assert authorized["contactNumber"] == "+639171234567"
    assert authorized["tin"] == "123-456-789" and authorized["sss"] == "12-3456789-0"
    assert [p["firstName"] for p in body["incorporators"]] == ["Inca", "Incb", "Incc"]
    assert body["banks"][0]["accountNumber"] == "001234567890"


def test_status_lists_missing_documents(holder, submitted):
    ref = submitted("SOLE_PROPRIETOR")
    body = holder.get(f"{URL}/{ref}/status").json()
    assert body["onboardingStatus"] == "NEW" and body["onboardingReferenceNumber"] == ref
    assert body["merchantName"] == "Sari Sari Store" and body["declinedReason"] is None
    assert body["missingDocuments"] == factories.REQUIRED["SOLE_PROPRIETOR"] + ["storePhoto"]
    assert body["dateCreated"].endswith("Z") and body["dateUpdated"]


def _minor_birthday() -> str:
    today = ph_today()
    return today.replace(year=today.year - 17).isoformat()


def _future() -> str:
    return (ph_today() + datetime.timedelta(days=400)).isoformat()


def _without(key):
    def edit(body):
        del body[key]

    return edit


def _set(path: str, value):
    def edit(body):
        target = body
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        target[int(last) if isinstance(target, list) else last] = value

    return edit


BAD = [
    ("missing merchantName", "CORPORATION", _without("merchantName"), "merchantName should not be empty"),
    ("wrong type", "CORPORATION", _set("merchantName", 12), "merchantName must be a string"),
    (
        "bool wrong type",
        "CORPORATION",
        _set("isBrickAndMortarStore", "yes"),
        "isBrickAndMortarStore must be a boolean value",
    ),
    (
        "unknown businessType",
        "CORPORATION",
        _set("businessType", "COOPERATIVE"),
        "businessType must be one of the following values: "
        "STARTER, SOLE_PROPRIETOR, PARTNERSHIP, CORPORATION",
    ),
    (
        "unknown mode",
        "CORPORATION",
        _set("modeOfPayments", ["CASH"]),
        "each value in modeOfPayments must be one of the following values: TERMINAL, ECOM, PAYMENT_LINK, "
        "QRPH, PAY_WITH_MAYA",
    ),
    (
        "lower-case enum",
        "CORPORATION",
        _set("currency", "php"),
        "currency must be one of the following values: PHP, USD",
    ),
    (
        "malformed TIN",
        "CORPORATION",
        _set("tin", "12-345"),
        "tin must be a valid TIN: 9 or 12 digits, e.g. 123-456-789 or 123-456-789-000",
    ),
    (
        "person TIN",
        "CORPORATION",
        _set("incorporators.0.tin", "1234567890"),
        "incorporators.0.tin must be a valid TIN: 9 or 12 digits, e.g. 123-456-789 or 123-456-789-000",
    ),
    (
        "malformed SSS",
        "CORPORATION",
        _set("representatives.authorized.sss", "12-345"),
        "representatives.authorized.sss must be a valid SSS number: 10 digits, e.g. 12-3456789-0",
    ),
    (
        "future birth date",
        "CORPORATION",
        _set("representatives.authorized.dateOfBirth", _future()),
        "representatives.authorized.dateOfBirth must not be in the future",
    ),
    (
        "minor",
        "CORPORATION",
        _set("incorporators.1.dateOfBirth", _minor_birthday()),
        "incorporators.1.dateOfBirth must be the date of birth of an adult (at least 18 years old)",
    ),
    (
        "not a date",
        "CORPORATION",
        _set("representatives.escalation.dateOfBirth", "12/04/1985"),
        "representatives.escalation.dateOfBirth must be a valid ISO 8601 date string (YYYY-MM-DD)",
    ),
    (
        "foreign phone",
        "CORPORATION",
        _set("representatives.authorized.contactNumber", "+14155550123"),
        "representatives.authorized.contactNumber must be a valid phone number",
    ),
    (
        "malformed phone",
        "CORPORATION",
        _set("address.office.contactNumber", "call me"),
        "address.office.contactNumber must be a valid phone number",
    ),
    ("empty city", "CORPORATION", _set("address.office.city", ""), "address.office.city should not be empty"),
    (
        "postal code",
        "CORPORATION",
        _set("address.registered.postalCode", "16050"),
        "address.registered.postalCode must be a 4-digit postal code",
    ),
    (
        "bank currency",
        "CORPORATION",
        _set("banks", [factories.bank(), factories.bank(currency="EUR")]),
        "banks.1.currency must be one of the following values: PHP, USD",
    ),
    (
        "bank number",
        "CORPORATION",
        _set("banks.0.accountNumber", "12-34"),
        "banks.0.accountNumber must be 6 to 20 digits",
    ),
    ("no banks", "CORPORATION", _set("banks", []), "banks must contain at least 1 elements"),
    (
        "bad email",
        "CORPORATION",
        _set("representatives.escalation.emailAddress", "nope"),
        "representatives.escalation.emailAddress must be an email",
    ),
    ("unknown property", "CORPORATION", _set("nickname", "x"), "property nickname should not exist"),
    (
        "unknown nested property",
        "CORPORATION",
        _set("address.office.floor", "3"),
        "address.office.property floor should not exist",
    ),
    (
        "starter with incorporators",
        "STARTER",
        _set("incorporators", [factories.person()]),
        "incorporators must be empty for business type STARTER",
    ),
    (
        "sole proprietor with 2",
        "SOLE_PROPRIETOR",
        _set("incorporators", [factories.person()] * 2),
        "incorporators must contain exactly 1 element for business type SOLE_PROPRIETOR",
    ),
    (
        "partnership with 1",
        "PARTNERSHIP",
        _set("incorporators", [factories.person()]),
        "incorporators must contain exactly 2 elements for business type PARTNERSHIP",
    ),
    (
        "corporation with 2",
        "CORPORATION",
        _set("incorporators", [factories.person()] * 2),
        "incorporators must contain at least 3 elements for business type CORPORATION",
    ),
    ("corporation without legalName", "CORPORATION", _without("legalName"), "legalName should not be empty"),
    (
        "partnership without registered address",
        "PARTNERSHIP",
        _set("address", {"office": factories.address()}),
        "address.registered should not be empty",
    ),
    (
        "incorporator not an object",
        "CORPORATION",
        _set("incorporators.2", "Juan"),
        "incorporators.2 must be an object",
    ),
]


@pytest.mark.parametrize(("case", "business_type", "edit", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_400_with_path_and_changes_nothing(holder, case, business_type, edit, message):
    body = factories.application(business_type)
    edit(body)
    response = holder.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["statusCode"] == 400 and error["error"] == "Bad Request"
    assert message in error["message"], error["message"]
    assert not OnboardingApplication.objects.exists()


def test_all_failures_are_reported_together(holder):
    body = factories.application("PARTNERSHIP")
    body["address"]["office"]["city"] = ""
    body["banks"][0]["currency"] = "EUR"
    body["incorporators"] = body["incorporators"][:1]
    body["representatives"]["authorized"]["dateOfBirth"] = _future()
    messages = holder.post(URL, body, format="json").json()["message"]
    assert messages == [
        "address.office.city should not be empty",
        "representatives.authorized.dateOfBirth must not be in the future",
        "incorporators must contain exactly 2 elements for business type PARTNERSHIP",
        "banks.0.currency must be one of the following values: PHP, USD",
    ]


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null"])
def test_non_object_bodies_are_400(holder, raw):
    response = holder.post(URL, raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["statusCode"] == 400
    assert not OnboardingApplication.objects.exists()


def test_starter_needs_no_legal_name_registered_address_or_incorporators(holder):
    body = factories.application("STARTER")
    assert "legalName" not in body and "registered" not in body["address"] and "incorporators" not in body
    assert holder.post(URL, body, format="json").status_code == 201


def test_one_open_application_per_account(holder, submitted, make_holder):
    ref = submitted()
    second = holder.post(URL, factories.application("STARTER"), format="json")
    assert second.status_code == 400
    assert second.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"An onboarding application is already open for this account (referenceNumber {ref}); "
        "update it with PUT /v2/onboard/{refNo}",
    }
    assert OnboardingApplication.objects.count() == 1
    # Another account is not affected.
    assert make_holder().post(URL, factories.application(), format="json").status_code == 201


def test_needs_an_account_token(api, client_token):
    assert api.post(URL, factories.application(), format="json").status_code == 401
    # A partner's client token is not an account token.
    response = api.post(
        URL, factories.application(), format="json", HTTP_AUTHORIZATION=f"Bearer {client_token}"
    )
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}
    assert not OnboardingApplication.objects.exists()


def test_the_database_refuses_a_second_open_application_when_the_check_races(holder, submitted, monkeypatch):
    from onboarding import selectors, services

    ref = submitted()
    real = selectors.application_open_for_account
    calls = []

    def stale_first_check(*, account):
        calls.append(account)
        return None if len(calls) == 1 else real(account=account)

    monkeypatch.setattr(services.selectors, "application_open_for_account", stale_first_check)
    response = holder.post(URL, factories.application(), format="json")
    assert response.status_code == 400 and ref in response.json()["message"]
    assert OnboardingApplication.objects.count() == 1
