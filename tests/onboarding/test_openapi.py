"""The OpenAPI schema documents /v2/onboard, its errors and the multipart upload."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from onboarding.documents import DOCUMENT_FIELDS


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema, ref):
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_onboard_endpoints_use_the_account_token(schema):
    paths = schema["paths"]
    ops = [
        paths["/v2/onboard"]["post"],
        paths["/v2/onboard/{refNo}"]["get"],
        paths["/v2/onboard/{refNo}"]["put"],
        paths["/v2/onboard/{refNo}/status"]["get"],
        paths["/v2/onboard/{refNo}/files"]["post"],
    ]
    for op in ops:
        assert op["security"] == [{"accountToken": []}]
        assert {"401", "500"} <= set(op["responses"])
    assert {"201", "400"} <= set(paths["/v2/onboard"]["post"]["responses"])
    assert {"404", "409"} <= set(paths["/v2/onboard/{refNo}"]["put"]["responses"])


def test_application_body_is_documented_with_nested_objects(schema):
    body = _component(
        schema, schema["paths"]["/v2/onboard"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    )
    assert {"merchantName", "businessType", "address", "representatives", "incorporators", "banks"} <= set(
        body["properties"]
    )
    business = body["properties"]["businessType"]
    enum = business.get("enum") or _component(schema, business)["enum"]
    assert enum == ["STARTER", "SOLE_PROPRIETOR", "PARTNERSHIP", "CORPORATION"]


def test_upload_is_multipart_with_binary_fields(schema):
    content = schema["paths"]["/v2/onboard/{refNo}/files"]["post"]["requestBody"]["content"]
    form = _component(schema, content["multipart/form-data"]["schema"])
    assert set(form["properties"]) == set(DOCUMENT_FIELDS)
    assert all(p["format"] == "binary" for p in form["properties"].values())
    responses = schema["paths"]["/v2/onboard/{refNo}/files"]["post"]["responses"]
    assert {"201", "400", "413", "415"} <= set(responses)
