"""Fuzzing: schemathesis against our own OpenAPI schema, every operation, with valid credentials.

Every operation in /v2/schema is picked up (new ones included) and called in process
through the WSGI application with the credentials its `security` names: the customers
API key, a merchant client token, an account token. Checks: no 5xx, documented status
codes, content types, headers and bodies, invalid input rejected, valid input accepted.

CI runs FUZZ_EXAMPLES (default 30) cases per operation inside `make test`; `make fuzz`
runs 1,000 per operation and writes the counts to benchmarks/out/fuzz.json.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import checks as openapi_checks

from customers.models import ApiKey
from customers.services import api_key_create, customer_create, organization_create
from merchants import services as account_services
from merchants.tokens import ClientAccessToken, account_token_pair
from tests.merchants.factories import VALID_PASSWORD, VALID_PIN
from tests.onboarding.factories import application

pytestmark = [pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ORIGIN = "https://fuzz.example.com"
REPORT = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "out" / "fuzz.json"

# Acceptance of a schema-valid body that the server may refuse for a reason the schema
# cannot express, with the status the contract gives for it:
# - initialize / reset-pin: `redirectUrl` must be on the organization's allowlist (400);
# - POST /v2/account: a Philippine mobile number and a free username (400, as the
#   original service answers);
# - the token endpoints: credentials that exist (401);
# - webhooks: the URL's host must resolve, to a public address (400).
# Everything else about those operations (no 5xx, documented statuses and bodies,
# invalid input rejected) is still checked.
STATE_DEPENDENT = {
    "POST /v2/customers/{id}/initialize",
    "POST /v2/customers/{id}/reset-pin",
    # wallet/create: the allowlist as above, and the customer must have a PIN and recovery (409).
    "POST /v2/customers/{id}/wallet/create",
    # update-pin, recovery, export-private-keys: the allowlist as above (and the customer's state).
    "POST /v2/customers/{id}/update-pin",
    "POST /v2/customers/{id}/recovery",
    "POST /v2/customers/{id}/export-private-keys",
    # sign/*: the allowlist, and a payload eth-account can parse for the wallet's chain (a
    # schema-valid string need not be a message in hex, typed data or a transaction: 400).
    "POST /v2/customers/{id}/sign/message",
    "POST /v2/customers/{id}/sign/typed-data",
    "POST /v2/customers/{id}/sign/transaction",
    # branding: the accent's contrast and the logo's bytes (a real PNG or JPEG) are rules a
    # schema cannot express (400 naming the field).
    "PUT /v2/organization/branding",
    "POST /v2/account",
    "POST /v2/auth/token",
    "POST /v2/account/token",
    "POST /v2/account/token/refresh",
    "POST /v2/account/password",
    # Phone numbers, TIN/SSS formats, ages and one open application per account are rules
    # the schema cannot express; the application must exist and be open for its files.
    "POST /v2/onboard",
    "PUT /v2/onboard/{refNo}",
    "POST /v2/onboard/{refNo}/files",
    "POST /v2/webhooks",
    "PUT /v2/webhooks/{id}",
}

_cases: Counter[str] = Counter()
_statuses: dict[str, Counter[int]] = {}
_failed: set[str] = set()
_lock = threading.Lock()


@pytest.fixture
def _keep_test_connection():
    """As Django's test client does: a request must not close the test's transaction's
    connection (close_old_connections would, as autocommit is off inside it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _quiet_request_log():
    """django.request logs every generated 4xx with its random path ("/v2/customers/0000"),
    which the suite-wide secret check would read as a registered PIN. 5xx still log."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def credentials(
    db, settings, secret_registry, _keep_test_connection, _quiet_request_log
) -> dict[str, dict[str, str]]:
    """Headers per security scheme; limits raised through their settings for the run."""
    settings.ONBOARDING = {
        **settings.ONBOARDING,
        "CUSTOMERS_RATE_LIMIT": "1000000000/s",
        "MERCHANT_RATE_LIMIT": "1000000000/60s",
        "MERCHANT_LOGIN_RATE_LIMIT": "1000000000/60s",
        "MERCHANT_LOGIN_FAILURE_LIMIT": "1000000000/15m",
    }
    organization = organization_create(name="Fuzz Wallet", redirect_origins=[ORIGIN])
    key = api_key_create(organization=organization, kind=ApiKey.Kind.FULL)[1]
    known_customer = customer_create(organization=organization, ref_id="fuzz-known", name="Known")
    client, secret = account_services.api_client_create(name="Fuzz Partner")
    account = account_services.account_create(
        api_client=client,
        email="fuzz@example.com",
        phone="+639171234567",
        first_name="Fuzz",
        middle_name="",
        last_name="Tester",
        username="fuzz.tester",
        password=VALID_PASSWORD,
        pin=VALID_PIN,
    )
    client_token = str(ClientAccessToken.for_client(client))
    account_token = account_token_pair(account).access
    secret_registry.add(key, secret, client_token, str(account_token), VALID_PASSWORD, VALID_PIN)
    submitted = Client().post(
        "/v2/onboard",
        application(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {account_token}"},
    )
    assert submitted.status_code == 201, submitted.content
    # Django's test client reconnects close_old_connections after its request; undo that.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    KNOWN.update(id=str(known_customer.pk), refNo=submitted.json()["referenceNumber"])
    wallet_customer, wallet = _customer_with_a_wallet(organization)
    for path in (
        "/v2/customers/{id}/wallet/create",
        "/v2/customers/{id}/public-key",
        "/v2/customers/{id}/sign/message",
        "/v2/customers/{id}/sign/typed-data",
        "/v2/customers/{id}/sign/transaction",
        "/v2/customers/{id}/export-private-keys",
    ):
        KNOWN_FOR[path] = {"id": str(wallet_customer.pk)}
    KNOWN_FOR["/v2/wallets/{id}"] = {"id": str(wallet.pk)}
    return {
        "ApiKeyAuth": {"PLANBOK-X-API-KEY": key},
        "clientToken": {"Authorization": f"Bearer {client_token}"},
        "accountToken": {"Authorization": f"Bearer {account_token}"},
    }


# Real objects of the fuzz organization/account. About half the generated cases with a
# valid path parameter are pointed at one, so the fuzz reaches real customers and a real
# application (their full bodies, their state rules), not only 404s.
KNOWN: dict[str, str] = {}
# Per operation path, where its {id} is another kind of object (a wallet, an onboarded customer).
KNOWN_FOR: dict[str, dict[str, str]] = {}


def _customer_with_a_wallet(organization):
    """An onboarded customer with one wallet, made through the real services (the page played
    by the tests' mirror of the browser's key scheme)."""
    from customers.models import Customer
    from tests.wallets.conftest import provision

    customer = customer_create(organization=organization, ref_id="fuzz-wallets", name="Wallets")
    Customer.objects.filter(pk=customer.pk).update(has_pin=True, has_recovery=True)
    customer.refresh_from_db()
    _, wallets = provision(customer, ["ETH"], redirect_url=f"{ORIGIN}/done")
    return customer, wallets[0]


def _point_at_known_objects(case) -> None:
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return
    params = case.path_parameters or {}
    known = {**KNOWN, **KNOWN_FOR.get(case.operation.path, {})}
    for name, value in known.items():
        if name in params and str(params[name])[:1] in "01234567":
            params[name] = value


def _load_schema():
    # Loaded at collection (the schema view needs no database), so every operation is a test
    # item of its own; schemathesis' lazy fixture loader does not support this pytest.
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/v2/schema?format=json", application)


schema = _load_schema()


def _headers(case, credentials: dict[str, dict[str, str]]) -> dict[str, str]:
    """Valid credentials, unless this case deliberately breaks its headers (then the
    server must refuse it, and adding a valid key back would hide that)."""
    headers: dict[str, str] = {}
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return headers
    for requirement in case.operation.definition.raw.get("security") or []:
        for name in requirement:
            headers.update(credentials.get(name, {}))
    return headers


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_survives_generated_input(case, credentials):
    label = case.operation.label
    excluded = [openapi_checks.positive_data_acceptance] if label in STATE_DEPENDENT else []
    _point_at_known_objects(case)
    response = case.call(headers=_headers(case, credentials))
    with _lock:
        _cases[label] += 1
        _statuses.setdefault(label, Counter())[response.status_code] += 1
    try:
        assert response.status_code < 500, (label, response.status_code, response.text[:500])
        case.validate_response(response, excluded_checks=excluded, headers=_headers(case, credentials))
    except BaseException:  # schemathesis's FailureGroup is a BaseExceptionGroup
        _failed.add(label)
        raise


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if not _cases:
        return
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "examples_setting": EXAMPLES,
                "operations": {
                    label: {
                        "cases": _cases[label],
                        "failed": label in _failed,
                        "statuses": {str(k): v for k, v in sorted(_statuses[label].items())},
                    }
                    for label in sorted(_cases)
                },
            },
            indent=2,
        )
        + "\n"
    )
