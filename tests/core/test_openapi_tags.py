"""/v2/docs groups the operations by surface: every operation carries one declared tag."""

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

DECLARED = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]


@pytest.fixture(scope="module")
def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path): operation["tags"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_every_operation_has_exactly_one_declared_tag(operations):
    wrong = {op: tags for op, tags in operations.items() if len(tags) != 1 or tags[0] not in DECLARED}
    assert not wrong, f"tag these operations with one of {DECLARED} (SPECTACULAR_SETTINGS['TAGS']): {wrong}"


@pytest.mark.parametrize(
    ("method", "path", "tag"),
    [
        ("POST", "/v2/customers", "customers"),
        ("GET", "/v2/customers/{id}", "customers"),
        ("POST", "/v2/customers/{id}/initialize", "challenges"),
        ("POST", "/v2/customers/{id}/reset-pin", "challenges"),
        ("GET", "/v2/customers/{id}/challenges", "challenges"),
        ("GET", "/v2/customers/{id}/challenges/{challengeId}", "challenges"),
        ("POST", "/v2/auth/token", "merchant accounts"),
        ("POST", "/v2/account", "merchant accounts"),
        ("POST", "/v2/account/token", "merchant accounts"),
        ("POST", "/v2/onboard", "onboarding"),
        ("POST", "/v2/onboard/{refNo}/files", "onboarding"),
        ("POST", "/v2/customers/{id}/wallet/create", "wallets"),
        ("GET", "/v2/customers/{id}/public-key", "wallets"),
        ("POST", "/v2/webhooks", "webhooks"),
        ("GET", "/v2/webhooks/{id}/deliveries", "webhooks"),
        ("GET", "/v2/wallets", "wallets"),
        ("PUT", "/v2/wallets/{id}", "wallets"),
        ("GET", "/v2/organization/branding", "branding"),
        ("PUT", "/v2/organization/branding", "branding"),
    ],
)
def test_operations_are_grouped_by_surface(operations, method, path, tag):
    assert operations[(method, path)] == [tag]


def test_docs_list_the_surfaces_in_order(client):
    schema = client.get("/v2/schema", HTTP_ACCEPT="application/json").json()
    names = [tag["name"] for tag in schema["tags"]]
    assert names == [
        "customers",
        "challenges",
        "merchant accounts",
        "onboarding",
        "wallets",
        "webhooks",
        "branding",
    ]
