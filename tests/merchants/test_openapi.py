"""The OpenAPI schema documents the merchant endpoints, their bodies and the bearer schemes."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_bearer_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    for name in ("clientToken", "accountToken"):
        assert schemes[name]["type"] == "http" and schemes[name]["scheme"] == "bearer"
        assert schemes[name]["bearerFormat"] == "JWT"


def test_create_account_is_documented_with_its_errors(schema):
    op = schema["paths"]["/v2/account"]["post"]
    assert op["security"] == [{"clientToken": []}]
    assert set(op["responses"]) >= {"200", "400", "401", "429", "500"}
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {"contact", "user"}
    get = schema["paths"]["/v2/account"]["get"]
    assert get["security"] == [{"accountToken": []}]


@pytest.mark.parametrize(
    "path", ["/v2/auth/token", "/v2/account/token", "/v2/account/token/refresh", "/v2/account/password"]
)
def test_token_endpoints_are_documented(schema, path):
    op = schema["paths"][path]["post"]
    assert "application/json" in op["requestBody"]["content"]
    assert {"200", "400", "401", "429"} <= set(op["responses"])
